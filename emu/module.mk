# emu: rules added by this directory
