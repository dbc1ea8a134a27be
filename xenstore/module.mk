# xenstore: rules added by this directory
