// A pickle is a program for a small stack machine. This one executes only the data-building
// opcodes (protocol 0-5 binary forms) and a closed list of globals, turning REDUCE of an allowed
// global into plain data: a dict, or a tensor view. Nothing is ever imported or called.
#include "model/checkpoint/torch_pickle.hpp"

#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <unordered_map>

#include "engine/error.hpp"

namespace roformer::checkpoint::detail {
namespace {

// Opcode bytes, named as in Python's pickletools so that errors can be looked up there.
const char* opcode_name(uint8_t op) {
  switch (op) {
    case '(': return "MARK";
    case '.': return "STOP";
    case '0': return "POP";
    case '1': return "POP_MARK";
    case '2': return "DUP";
    case 'F': return "FLOAT";
    case 'I': return "INT";
    case 'J': return "BININT";
    case 'K': return "BININT1";
    case 'L': return "LONG";
    case 'M': return "BININT2";
    case 'N': return "NONE";
    case 'P': return "PERSID";
    case 'Q': return "BINPERSID";
    case 'R': return "REDUCE";
    case 'S': return "STRING";
    case 'T': return "BINSTRING";
    case 'U': return "SHORT_BINSTRING";
    case 'V': return "UNICODE";
    case 'X': return "BINUNICODE";
    case 'a': return "APPEND";
    case 'b': return "BUILD";
    case 'c': return "GLOBAL";
    case 'd': return "DICT";
    case '}': return "EMPTY_DICT";
    case 'e': return "APPENDS";
    case 'g': return "GET";
    case 'h': return "BINGET";
    case 'i': return "INST";
    case 'j': return "LONG_BINGET";
    case 'l': return "LIST";
    case ']': return "EMPTY_LIST";
    case 'o': return "OBJ";
    case 'p': return "PUT";
    case 'q': return "BINPUT";
    case 'r': return "LONG_BINPUT";
    case 's': return "SETITEM";
    case 't': return "TUPLE";
    case ')': return "EMPTY_TUPLE";
    case 'u': return "SETITEMS";
    case 'G': return "BINFLOAT";
    case 0x80: return "PROTO";
    case 0x81: return "NEWOBJ";
    case 0x82: return "EXT1";
    case 0x83: return "EXT2";
    case 0x84: return "EXT4";
    case 0x85: return "TUPLE1";
    case 0x86: return "TUPLE2";
    case 0x87: return "TUPLE3";
    case 0x88: return "NEWTRUE";
    case 0x89: return "NEWFALSE";
    case 0x8a: return "LONG1";
    case 0x8b: return "LONG4";
    case 'B': return "BINBYTES";
    case 'C': return "SHORT_BINBYTES";
    case 0x8c: return "SHORT_BINUNICODE";
    case 0x8d: return "BINUNICODE8";
    case 0x8e: return "BINBYTES8";
    case 0x8f: return "EMPTY_SET";
    case 0x90: return "ADDITEMS";
    case 0x91: return "FROZENSET";
    case 0x92: return "NEWOBJ_EX";
    case 0x93: return "STACK_GLOBAL";
    case 0x94: return "MEMOIZE";
    case 0x95: return "FRAME";
    case 0x96: return "BYTEARRAY8";
    case 0x97: return "NEXT_BUFFER";
    case 0x98: return "READONLY_BUFFER";
    default: return nullptr;
  }
}

enum class Kind { kNone, kBool, kInt, kFloat, kString, kTuple, kList, kDict, kGlobal, kStorage, kTensor };

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::kNone: return "None";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kFloat: return "float";
    case Kind::kString: return "str";
    case Kind::kTuple: return "tuple";
    case Kind::kList: return "list";
    case Kind::kDict: return "dict";
    case Kind::kGlobal: return "global";
    case Kind::kStorage: return "storage";
    case Kind::kTensor: return "tensor";
  }
  return "?";
}

// Values live in the unpickler's arena and point at each other with raw pointers, so shared and
// even cyclic references (which a hostile pickle can build with BINGET) are freed flat, without
// recursion.
struct Value {
  Kind kind = Kind::kNone;
  int64_t integer = 0;                               // int, bool
  std::string text;                                  // str; "module.name" of a global; storage key
  std::vector<const Value*> items;                   // tuple, list
  std::vector<std::pair<const Value*, const Value*>> entries;  // dict, in insertion order
  StorageInfo storage;
  TensorView view;
};

constexpr const char* kAllowedGlobals =
    "collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch._utils._rebuild_tensor, "
    "torch.FloatStorage, torch.HalfStorage, torch.BFloat16Storage";

class Unpickler {
 public:
  Unpickler(const std::string& bytes, const std::string& where) : data_(bytes), where_(where) {}

  // Executes the pickle up to STOP and returns its result; the arena keeps it alive.
  const Value* run() {
    while (true) {
      op_offset_ = pos_;
      const uint8_t op = read_u8();
      op_ = op;
      if (op == '.') break;
      step(op);
    }
    const Value* result = pop();
    if (!stack_.empty() || !marks_.empty()) {
      error("STOP leaves ", stack_.size(), " values and ", marks_.size(), " marks behind");
    }
    return result;
  }

 private:
  template <typename... Parts>
  [[noreturn]] void error(Parts&&... parts) {
    const char* name = opcode_name(op_);
    fail(ErrorCode::kBadModel, where_, ": pickle opcode ", name ? name : "?", " at offset ",
         op_offset_, ": ", std::forward<Parts>(parts)...);
  }

  [[noreturn]] void refuse_opcode(uint8_t op) {
    const char* name = opcode_name(op);
    char hex[8];
    std::snprintf(hex, sizeof(hex), "0x%02x", op);
    if (name == nullptr) {
      fail(ErrorCode::kBadModel, where_, ": unknown pickle opcode ", hex, " at offset ", op_offset_,
           " (not a pickle, or corrupt)");
    }
    fail(ErrorCode::kBadModel, where_, ": pickle opcode ", name, " (", hex, ") at offset ",
         op_offset_, " is refused: the restricted unpickler reads tensor data only");
  }

  const char* take(uint64_t count) {
    if (count > data_.size() - pos_) {
      error("needs ", count, " more bytes, only ", data_.size() - pos_, " left (truncated pickle)");
    }
    const char* start = data_.data() + pos_;
    pos_ += count;
    return start;
  }

  uint8_t read_u8() {
    if (pos_ >= data_.size()) {
      fail(ErrorCode::kBadModel, where_, ": pickle ends at offset ", pos_,
           " without a STOP opcode (truncated pickle)");
    }
    return static_cast<uint8_t>(data_[pos_++]);
  }

  uint64_t read_le(int bytes) {
    const char* p = take(bytes);
    uint64_t value = 0;
    for (int i = bytes - 1; i >= 0; --i) value = (value << 8) | static_cast<uint8_t>(p[i]);
    return value;
  }

  std::string read_line() {
    const size_t end = data_.find('\n', pos_);
    if (end == std::string::npos) error("no end of line (truncated pickle)");
    std::string line = data_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return line;
  }

  Value* make(Kind kind) {
    arena_.push_back(std::make_unique<Value>());
    arena_.back()->kind = kind;
    return arena_.back().get();
  }

  void push(const Value* value) { stack_.push_back(value); }

  size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }

  const Value* pop() {
    if (stack_.size() <= floor()) error("stack underflow");
    const Value* value = stack_.back();
    stack_.pop_back();
    return value;
  }

  const Value* top() {
    if (stack_.size() <= floor()) error("stack underflow");
    return stack_.back();
  }

  std::vector<const Value*> pop_to_mark() {
    if (marks_.empty()) error("no MARK to pop to");
    const size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<const Value*> items(stack_.begin() + static_cast<std::ptrdiff_t>(mark), stack_.end());
    stack_.resize(mark);
    return items;
  }

  // Containers are mutable in Python; the memo and stack hold them as const, the arena owns them.
  Value* mutable_value(const Value* value) { return const_cast<Value*>(value); }

  void push_string(uint64_t length) {
    Value* value = make(Kind::kString);
    const char* p = take(length);
    value->text.assign(p, length);
    push(value);
  }

  void push_int(int64_t integer) {
    Value* value = make(Kind::kInt);
    value->integer = integer;
    push(value);
  }

  void push_tuple(std::vector<const Value*> items) {
    Value* value = make(Kind::kTuple);
    value->items = std::move(items);
    push(value);
  }

  void memo_put(uint64_t index) { memo_[index] = top(); }

  void memo_get(uint64_t index) {
    const auto found = memo_.find(index);
    if (found == memo_.end()) error("memo slot ", index, " was never stored");
    push(found->second);
  }

  void set_items(const Value* dict, const std::vector<const Value*>& items) {
    if (dict->kind != Kind::kDict) error("target is a ", kind_name(dict->kind), ", not a dict");
    if (items.size() % 2 != 0) error("odd number of items (", items.size(), ") for key/value pairs");
    Value* target = mutable_value(dict);
    for (size_t i = 0; i < items.size(); i += 2) target->entries.emplace_back(items[i], items[i + 1]);
  }

  void append_items(const Value* list, const std::vector<const Value*>& items) {
    if (list->kind != Kind::kList) error("target is a ", kind_name(list->kind), ", not a list");
    Value* target = mutable_value(list);
    target->items.insert(target->items.end(), items.begin(), items.end());
  }

  void push_global(const std::string& module, const std::string& name) {
    const std::string full = module + "." + name;
    const bool allowed = full == "collections.OrderedDict" ||
                         full == "torch._utils._rebuild_tensor_v2" ||
                         full == "torch._utils._rebuild_tensor" || full == "torch.FloatStorage" ||
                         full == "torch.HalfStorage" || full == "torch.BFloat16Storage";
    if (!allowed) {
      if (module == "torch" && name.size() > 7 && name.compare(name.size() - 7, 7, "Storage") == 0) {
        fail(ErrorCode::kBadModel, where_, ": storage type ", full, " at offset ", op_offset_,
             " is not supported: only torch.FloatStorage, torch.HalfStorage and "
             "torch.BFloat16Storage are (convert the checkpoint to float32)");
      }
      fail(ErrorCode::kBadModel, where_, ": pickle global ", full, " at offset ", op_offset_,
           " is refused: the restricted unpickler only allows ", kAllowedGlobals);
    }
    Value* value = make(Kind::kGlobal);
    value->text = full;
    push(value);
  }

  int64_t as_int(const Value* value, const char* what) {
    if (value->kind != Kind::kInt) error(what, " is a ", kind_name(value->kind), ", expected an int");
    return value->integer;
  }

  std::vector<int64_t> as_int_tuple(const Value* value, const char* what) {
    if (value->kind != Kind::kTuple && value->kind != Kind::kList) {
      error(what, " is a ", kind_name(value->kind), ", expected a tuple of ints");
    }
    std::vector<int64_t> out;
    for (const Value* item : value->items) out.push_back(as_int(item, what));
    return out;
  }

  void persistent_load() {
    const Value* pid = pop();
    if (pid->kind != Kind::kTuple || pid->items.size() != 5 || pid->items[0]->kind != Kind::kString ||
        pid->items[0]->text != "storage") {
      error("persistent id is not ('storage', type, key, location, numel)");
    }
    const Value* type = pid->items[1];
    const Value* key = pid->items[2];
    if (type->kind != Kind::kGlobal || key->kind != Kind::kString) {
      error("persistent id needs a storage type global and a string key");
    }
    StorageInfo info;
    if (type->text == "torch.FloatStorage") {
      info.type = ElementType::kF32;
    } else if (type->text == "torch.HalfStorage") {
      info.type = ElementType::kF16;
    } else if (type->text == "torch.BFloat16Storage") {
      info.type = ElementType::kBF16;
    } else {
      error("persistent id names ", type->text, ", which is not a storage type");
    }
    info.numel = as_int(pid->items[4], "storage numel");
    if (info.numel < 0) error("storage '", key->text, "' has negative numel ", info.numel);

    const auto [found, inserted] = storages_.emplace(key->text, info);
    if (!inserted && (found->second.type != info.type || found->second.numel != info.numel)) {
      error("storage '", key->text, "' is described twice, as ", element_type_name(found->second.type),
            "[", found->second.numel, "] and ", element_type_name(info.type), "[", info.numel, "]");
    }
    Value* value = make(Kind::kStorage);
    value->text = key->text;
    value->storage = info;
    push(value);
  }

  void check_view(const TensorView& view, const StorageInfo& storage) {
    if (view.sizes.size() != view.strides.size()) {
      error("tensor has ", view.sizes.size(), " sizes but ", view.strides.size(), " strides");
    }
    if (view.storage_offset < 0) error("negative storage offset ", view.storage_offset);
    int64_t count = 0;
    if (!checked_element_count(view.sizes, &count)) error("tensor sizes are negative or overflow");
    if (count == 0) return;
    // The last element a view touches is offset + sum((size - 1) * stride); it must be in storage.
    int64_t last = view.storage_offset;
    for (size_t i = 0; i < view.sizes.size(); ++i) {
      const int64_t stride = view.strides[i];
      const int64_t steps = view.sizes[i] - 1;
      if (stride < 0) error("negative stride ", stride, " in dimension ", i);
      if (stride != 0 && steps > (std::numeric_limits<int64_t>::max() - last) / stride) {
        error("tensor view overflows int64");
      }
      last += steps * stride;
    }
    if (last >= storage.numel) {
      error("tensor view reaches element ", last, " of storage '", view.storage_key, "', which has ",
            storage.numel, " elements");
    }
  }

  void reduce() {
    const Value* args = pop();
    const Value* callable = pop();
    if (callable->kind != Kind::kGlobal) {
      error("callable is a ", kind_name(callable->kind), ", not an allowed global");
    }
    if (args->kind != Kind::kTuple) error("arguments are a ", kind_name(args->kind), ", not a tuple");
    const std::string& name = callable->text;
    if (name == "collections.OrderedDict") {
      if (!args->items.empty()) error("collections.OrderedDict called with arguments");
      push(make(Kind::kDict));
      return;
    }
    if (name == "torch._utils._rebuild_tensor_v2" || name == "torch._utils._rebuild_tensor") {
      // _rebuild_tensor(storage, offset, size, stride); _v2 appends requires_grad, backward_hooks
      // and, in newer versions, metadata: none of which matters for inference.
      const size_t minimum = 4;
      if (args->items.size() < minimum) {
        error(name, " needs at least ", minimum, " arguments, got ", args->items.size());
      }
      const Value* storage = args->items[0];
      if (storage->kind != Kind::kStorage) {
        error(name, " argument 0 is a ", kind_name(storage->kind), ", expected a storage");
      }
      Value* tensor = make(Kind::kTensor);
      tensor->view.storage_key = storage->text;
      tensor->view.storage_offset = as_int(args->items[1], "storage offset");
      tensor->view.sizes = as_int_tuple(args->items[2], "tensor size");
      tensor->view.strides = as_int_tuple(args->items[3], "tensor stride");
      check_view(tensor->view, storage->storage);
      push(tensor);
      return;
    }
    error("global ", name, " cannot be called");
  }

  void step(uint8_t op) {
    switch (op) {
      case 0x80: {  // PROTO
        const uint8_t protocol = read_u8();
        if (protocol > 5) error("unsupported pickle protocol ", int(protocol));
        return;
      }
      case 0x95:  // FRAME: a length prefix for buffered reading; the bytes follow inline.
        read_le(8);
        return;
      case '(':
        marks_.push_back(stack_.size());
        return;
      case '0':
        pop();
        return;
      case '1':
        pop_to_mark();
        return;
      case '2':
        push(top());
        return;
      case 'N':
        push(make(Kind::kNone));
        return;
      case 0x88:
      case 0x89: {
        Value* value = make(Kind::kBool);
        value->integer = op == 0x88;
        push(value);
        return;
      }
      case 'K':
        push_int(static_cast<int64_t>(read_le(1)));
        return;
      case 'M':
        push_int(static_cast<int64_t>(read_le(2)));
        return;
      case 'J':
        push_int(static_cast<int32_t>(static_cast<uint32_t>(read_le(4))));
        return;
      case 0x8a:
      case 0x8b: {  // LONG1, LONG4: little-endian two's complement of the given length
        const uint64_t length = read_le(op == 0x8a ? 1 : 4);
        if (length > 8) error("integer of ", length, " bytes does not fit in int64");
        if (length == 0) {
          push_int(0);
          return;
        }
        uint64_t bits = read_le(static_cast<int>(length));
        if (length < 8 && (bits >> (8 * length - 1)) != 0) bits |= ~uint64_t{0} << (8 * length);
        push_int(static_cast<int64_t>(bits));
        return;
      }
      case 'G':  // BINFLOAT: an 8-byte double; no tensor field is a float, so only the kind is kept
        take(8);
        push(make(Kind::kFloat));
        return;
      case 'X':
      case 'T':
      case 'B':
        push_string(read_le(4));
        return;
      case 0x8c:
      case 'U':
      case 'C':
        push_string(read_le(1));
        return;
      case 0x8d:
      case 0x8e:
        push_string(read_le(8));
        return;
      case ')':
        push_tuple({});
        return;
      case 0x85: {
        const Value* a = pop();
        push_tuple({a});
        return;
      }
      case 0x86: {
        const Value* b = pop();
        const Value* a = pop();
        push_tuple({a, b});
        return;
      }
      case 0x87: {
        const Value* c = pop();
        const Value* b = pop();
        const Value* a = pop();
        push_tuple({a, b, c});
        return;
      }
      case 't':
        push_tuple(pop_to_mark());
        return;
      case ']':
        push(make(Kind::kList));
        return;
      case 'l': {
        Value* list = make(Kind::kList);
        list->items = pop_to_mark();
        push(list);
        return;
      }
      case 'a': {
        const Value* item = pop();
        append_items(top(), {item});
        return;
      }
      case 'e': {
        const std::vector<const Value*> items = pop_to_mark();
        append_items(top(), items);
        return;
      }
      case '}':
        push(make(Kind::kDict));
        return;
      case 'd': {
        const std::vector<const Value*> items = pop_to_mark();
        Value* dict = make(Kind::kDict);
        set_items(dict, items);
        push(dict);
        return;
      }
      case 's': {
        const Value* value = pop();
        const Value* key = pop();
        set_items(top(), {key, value});
        return;
      }
      case 'u': {
        const std::vector<const Value*> items = pop_to_mark();
        set_items(top(), items);
        return;
      }
      case 'q':
        memo_put(read_le(1));
        return;
      case 'r':
        memo_put(read_le(4));
        return;
      case 0x94:
        memo_put(memo_.size());
        return;
      case 'h':
        memo_get(read_le(1));
        return;
      case 'j':
        memo_get(read_le(4));
        return;
      case 'c': {
        const std::string module = read_line();
        const std::string name = read_line();
        push_global(module, name);
        return;
      }
      case 0x93: {  // STACK_GLOBAL
        const Value* name = pop();
        const Value* module = pop();
        if (module->kind != Kind::kString || name->kind != Kind::kString) {
          error("module and name must be strings");
        }
        push_global(module->text, name->text);
        return;
      }
      case 'Q':
        persistent_load();
        return;
      case 'R':
        reduce();
        return;
      case 'b': {
        // torch.save(state_dict) sets the OrderedDict's _metadata attribute (module versions)
        // with BUILD; it has no bearing on the tensors, so the state is dropped.
        const Value* state = pop();
        const Value* target = top();
        if (target->kind != Kind::kDict || state->kind != Kind::kDict) {
          error("BUILD of a ", kind_name(target->kind), " with a ", kind_name(state->kind),
                " state is refused: only a dict's attributes may be set");
        }
        return;
      }
      default:
        refuse_opcode(op);
    }
  }

  const std::string& data_;
  const std::string& where_;
  size_t pos_ = 0;
  size_t op_offset_ = 0;
  uint8_t op_ = 0;
  std::vector<const Value*> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, const Value*> memo_;
  std::vector<std::unique_ptr<Value>> arena_;
  std::map<std::string, StorageInfo> storages_;

 public:
  std::map<std::string, StorageInfo> take_storages() { return std::move(storages_); }
};

}  // namespace

PickledStateDict parse_state_dict_pickle(const std::string& bytes, const std::string& where) {
  Unpickler unpickler(bytes, where);
  const Value* root = unpickler.run();
  if (root->kind != Kind::kDict) {
    fail(ErrorCode::kBadModel, where, ": pickle holds a ", kind_name(root->kind),
         ", expected a dict of tensors (a state_dict)");
  }

  PickledStateDict result;
  std::map<std::string, size_t> index;
  for (const auto& [key, value] : root->entries) {
    if (key->kind != Kind::kString) {
      fail(ErrorCode::kBadModel, where, ": state_dict key is a ", kind_name(key->kind),
           ", expected a string");
    }
    if (value->kind != Kind::kTensor) {
      fail(ErrorCode::kBadModel, where, ": state_dict entry '", key->text, "' is a ",
           kind_name(value->kind), ", expected a tensor (nested checkpoints are not supported)");
    }
    // Python dict semantics: a repeated key keeps its first position and its last value.
    const auto [found, inserted] = index.emplace(key->text, result.tensors.size());
    if (inserted) {
      result.tensors.emplace_back(key->text, value->view);
    } else {
      result.tensors[found->second].second = value->view;
    }
  }
  result.storages = unpickler.take_storages();
  return result;
}

}  // namespace roformer::checkpoint::detail
