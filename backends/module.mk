# backends: dom0's device backends, linked into the launcher (emu/module.mk
# adds BACKENDS_SRCS and BACKENDS_LIBS to ./xenlet, so this comes first).
BACKENDS_SRCS := backends/shared_ring.c backends/blk/vdev.c backends/blk/disk_spec.c
BACKENDS_LIBS :=
