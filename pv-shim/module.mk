# pv-shim: rules added by this directory
