"""perfmodel_fuzz_test: one fuzz target, two builds.

Under --config=fuzz (clang, see .bazelrc) the target is a libFuzzer binary
(-fsanitize=fuzzer links libFuzzer's main); `bazel test` runs it with -runs=0
over the committed inputs, and scripts/fuzz runs it for a given time. In every
other build (GCC, --config=asan_ubsan) it is a plain test whose main
(fuzz/replay_main.cc) feeds each committed input to the same
LLVMFuzzerTestOneInput, so `bazel test //...` replays every corpus without
clang.

The inputs are fuzz/corpus/<name>/ (seeds, required) and, when it exists,
fuzz/regressions/<name>/ (inputs that once crashed, one per fixed finding).
`data` is what else the target reads (the repo files a search textproto
names), as the path it has in the repo.
"""

def perfmodel_fuzz_test(name, srcs, deps = [], data = [], size = "small", **kwargs):
    corpus = native.glob(["corpus/%s/**" % name])
    if not corpus:
        fail("fuzz target %s has no seed corpus: add files under fuzz/corpus/%s/" % (name, name))
    regressions = native.glob(["regressions/%s/**" % name])
    dirs = ["fuzz/corpus/" + name]
    if regressions:
        dirs.append("fuzz/regressions/" + name)
    native.cc_test(
        name = name,
        srcs = srcs,
        size = size,
        data = corpus + regressions + data,
        args = select({
            "//fuzz:fuzzing": ["-runs=0"] + dirs,
            "//conditions:default": dirs,
        }),
        linkopts = select({
            "//fuzz:fuzzing": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        deps = deps + select({
            "//fuzz:fuzzing": [],
            "//conditions:default": ["//fuzz:replay_main"],
        }),
        **kwargs
    )
