// The restricted unpickler behind read_torch_bin. It understands the opcodes and the handful of
// globals that torch.save(state_dict) emits and refuses everything else by name: it builds plain
// data only and never imports or calls anything. Internal; exposed for tests.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/checkpoint/convert.hpp"

namespace roformer::checkpoint::detail {

// A storage named by a persistent id ('storage', torch.<Type>Storage, key, location, numel); its
// bytes are the zip record <top>/data/<key>.
struct StorageInfo {
  ElementType type = ElementType::kF32;
  int64_t numel = 0;
};

// A tensor as _rebuild_tensor_v2 describes it: a strided view of a storage (in elements).
struct TensorView {
  std::string storage_key;
  int64_t storage_offset = 0;
  std::vector<int64_t> sizes;
  std::vector<int64_t> strides;
};

struct PickledStateDict {
  std::vector<std::pair<std::string, TensorView>> tensors;  // in pickle order
  std::map<std::string, StorageInfo> storages;
};

// Parses a data.pkl holding a dict (usually collections.OrderedDict) of name -> tensor. `where`
// names the file in error messages. Throws kBadModel naming the refused opcode or global, or the
// inconsistency found; every view is checked to lie inside its storage.
PickledStateDict parse_state_dict_pickle(const std::string& bytes, const std::string& where);

}  // namespace roformer::checkpoint::detail
