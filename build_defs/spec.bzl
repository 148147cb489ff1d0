"""perfmodel_spec_header(): a textproto as a constexpr C++ value."""

def perfmodel_spec_header(name, src, kind, symbol):
    """Generates `<name>.h` holding perfmodel::specs::<symbol> from `src`.

    Args:
      name: the cc_library to create; the header is "<package>/<name>.h".
      src: the textproto (model, hardware, deployment or workload).
      kind: "model", "hardware", "deployment" or "workload".
      symbol: the constexpr variable's name, e.g. "kDeepSeekV3".
    """
    native.genrule(
        name = name + "_gen",
        srcs = [src],
        outs = [name + ".h"],
        tools = ["//tools:spec_codegen"],
        cmd = "$(location //tools:spec_codegen) --kind=%s --in=$< --symbol=%s --out=$@" % (kind, symbol),
    )
    native.cc_library(
        name = name,
        hdrs = [name + ".h"],
        deps = ["//perfmodel:spec"],
        visibility = ["//visibility:public"],
    )
