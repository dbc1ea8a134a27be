# backends: rules added by this directory
