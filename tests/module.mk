# tests: rules added by this directory
