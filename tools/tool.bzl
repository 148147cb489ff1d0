"""perfmodel_tool: one tool, its binary and its command-line fuzz library.

perfmodel_tool(name = "report", deps = [...], data = [...]) builds
//tools:report from tools/report.cc, whose PERFMODEL_TOOL_MAIN line (cli/cli.h)
is its main(), and //tools:report_flags_fuzz_lib from the same source with
PERFMODEL_TOOL_FUZZER defined, where that line is the libFuzzer entry point
(cli/tool_fuzz.h). //fuzz:report_flags_fuzzer links the library; the two share
the deps and data written here once.
"""

def perfmodel_tool(name, deps = [], data = [], **kwargs):
    native.cc_binary(
        name = name,
        srcs = [name + ".cc"],
        data = data,
        deps = deps,
        **kwargs
    )
    native.cc_library(
        name = name + "_flags_fuzz_lib",
        testonly = True,
        srcs = [name + ".cc"],
        copts = ["-DPERFMODEL_TOOL_FUZZER"],
        data = data,
        deps = deps + ["//cli:tool_fuzz"],
        alwayslink = True,
        visibility = ["//fuzz:__pkg__"],
    )
