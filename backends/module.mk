# backends: dom0's device backends, linked into the launcher (emu/module.mk
# adds BACKENDS_SRCS and BACKENDS_LIBS to ./xenlet, so this comes first).
BACKENDS_SRCS := backends/shared_ring.c backends/blk/vdev.c backends/blk/disk_spec.c
BACKENDS_LIBS :=

# The xenbus backend framework (xenbus_backend.h), shared by every device
# type. It reaches the guest only through backend_host.h, so it joins
# BACKENDS_SRCS together with the launcher's implementation of that
# (emu/dom0_core.c); its unit test links a test double instead.
XENBUS_SRCS := $(addprefix backends/,xenbus_device.c xenbus_loop.c \
	xenbus_nodes.c xenbus_node_io.c xenbus_parse.c xenbus_step.c)
BACKENDS_SRCS += $(XENBUS_SRCS)
