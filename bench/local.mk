# Benchmarks (`make bench`, or bench/run-audit BUILD_DIR): figures reported
# as ratios against raw baselines measured in the same run.
noinst_PROGRAMS += bench/paraphe-bench-audit
bench_paraphe_bench_audit_SOURCES = bench/audit_bench.c
bench_paraphe_bench_audit_LDADD = $(CORE_LIBS)
EXTRA_DIST += bench/run-audit
bench: all
	$(srcdir)/bench/run-audit $(abs_top_builddir)
	$(srcdir)/bench/run-sign $(abs_top_builddir)
	$(srcdir)/bench/run-signhash $(abs_top_builddir)
	$(srcdir)/bench/run-pages $(abs_top_builddir)
.PHONY: bench
noinst_PROGRAMS += bench/paraphe-loadgen
bench_paraphe_loadgen_SOURCES = bench/loadgen.c bench/bench_http.c bench/bench_http.h
bench_paraphe_loadgen_CFLAGS = $(AM_CFLAGS) -pthread
bench_paraphe_loadgen_LDADD = $(CORE_LIBS) -lpthread
noinst_PROGRAMS += bench/paraphe-bench-p11
bench_paraphe_bench_p11_SOURCES = bench/p11_bench.c
bench_paraphe_bench_p11_CFLAGS = $(AM_CFLAGS) -pthread
bench_paraphe_bench_p11_LDADD = $(CORE_LIBS) -lpthread
EXTRA_DIST += bench/run-sign
noinst_PROGRAMS += bench/paraphe-bench-sads
bench_paraphe_bench_sads_SOURCES = bench/sad_bench.c
bench_paraphe_bench_sads_LDADD = $(CORE_LIBS)
EXTRA_DIST += bench/run-signhash
EXTRA_DIST += bench/lib.sh bench/run-pages
noinst_PROGRAMS += bench/paraphe-bench-flow
bench_paraphe_bench_flow_SOURCES = bench/flow.c bench/bench_http.c bench/bench_http.h
bench_paraphe_bench_flow_CFLAGS = $(AM_CFLAGS) -pthread
bench_paraphe_bench_flow_LDADD = $(CORE_LIBS) -lpthread -lm
EXTRA_DIST += bench/run-soak
