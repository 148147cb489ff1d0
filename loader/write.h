// File: loader/write.h
// -----------------------------------------------------------------------------
//
// The inverse of loader/load.h for the files a tool writes: a DeploymentSpec
// or a WorkloadSpec as the textproto that ParseDeployment() / ParseWorkload()
// read back to the same spec (search/ writes its winners with these; the
// round trip is tested in loader/write_test.cc).
//
//   std::string text = DeploymentTextproto(spec, "perfmodel search", "w.textproto");
//   ParseDeployment(text, "d.textproto")->spec == spec

#ifndef LOADER_WRITE_H_
#define LOADER_WRITE_H_

#include <string>

#include "absl/strings/string_view.h"
#include "perfmodel/spec.h"

namespace perfmodel {

// DeploymentTextproto() is `d` as a deployment textproto with `source` and,
// when not empty, `default_workload`.
std::string DeploymentTextproto(const DeploymentSpec& d, absl::string_view source,
                                absl::string_view default_workload);

// WorkloadTextproto() is `w` as a workload textproto with `source`.
std::string WorkloadTextproto(const WorkloadSpec& w, absl::string_view source);

}  // namespace perfmodel

#endif  // LOADER_WRITE_H_
