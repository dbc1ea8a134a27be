# tools/trace_report: the reader of `xenlet run --trace` files
# (scripts/trace-report runs it).

TRACE_REPORT_SRCS := $(addprefix tools/trace_report/,trace_reader.c symbol_map.c \
	trace_summary.c trace_summary_print.c) emu/exit_kind_name.c \
	pv-shim/core/hypercall_names.c
TRACE_REPORT := $(BUILD)/tools/trace-report

$(TRACE_REPORT): $(patsubst %.c,$(BUILD)/host/%.o,$(TRACE_REPORT_SRCS) tools/trace_report/main.c)
	@mkdir -p $(@D)
	$(CC) $^ -o $@

PROGRAMS += $(TRACE_REPORT)

# Unit tests: the reader, the System.map and ELF symbol parsers, the tables.
$(BUILD)/tests/unit/test_trace_report: $(BUILD)/san/tests/unit/test_trace_report.o \
		$(TRACE_REPORT_SRCS:%.c=$(BUILD)/san/%.o)
	@mkdir -p $(@D)
	$(CC) -fsanitize=address,undefined $^ -o $@ $(CHECK_LIBS)
UNIT_TESTS += $(BUILD)/tests/unit/test_trace_report

# The trace file, System.map and ELF symtab as any bytes.
$(eval $(call fuzz_target,fuzz-trace-report,$(call fuzz_objs, \
	$(TRACE_REPORT_SRCS) tests/fuzz/fuzz_trace_report.c)))

