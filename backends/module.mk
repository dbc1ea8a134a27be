# backends: rules added by this directory

# ---- blkif request checking (backends/blk/blkif_request.c): pure, no
# I/O.  Link $(BLKIF_REQUEST_OBJS) into programs, the _SAN_ ones into
# unit tests; the fuzz target builds its own (tests/fuzz/fuzz.mk).
BLKIF_REQUEST_SRCS := backends/blk/blkif_request.c
BLKIF_REQUEST_OBJS := $(BLKIF_REQUEST_SRCS:%.c=$(BUILD)/host/%.o)
BLKIF_REQUEST_SAN_OBJS := $(BLKIF_REQUEST_SRCS:%.c=$(BUILD)/san/%.o)

BLKIF_REQUEST_TEST := $(BUILD)/tests/unit/test_blkif_request
$(BLKIF_REQUEST_TEST): $(BUILD)/san/tests/unit/test_blkif_request.o $(BLKIF_REQUEST_SAN_OBJS)
	@mkdir -p $(@D)
	$(CC) -fsanitize=address,undefined $^ -o $@ $(CHECK_LIBS)
UNIT_TESTS += $(BLKIF_REQUEST_TEST)
