// The restricted unpickler on its own: crafted pickles, hostile opcodes and globals, and random
// corruption of a real data.pkl.
#include <random>

#include "model/checkpoint/torch_pickle.hpp"
#include "test_files.hpp"

namespace roformer::checkpoint {
namespace {

using detail::parse_state_dict_pickle;
using testing::expect_error;
using testing::PickleWriter;

std::string fixture_pickle(const std::string& name) {
  for (const auto& [record, bytes] :
       testing::read_zip((testing::fixtures_dir() / name / "pytorch_model.bin").string())) {
    if (record.size() >= 9 && record.compare(record.size() - 9, 9, "/data.pkl") == 0) return bytes;
  }
  ADD_FAILURE() << "no data.pkl in " << name;
  return {};
}

TEST(Pickle, ReadsAFixtureStateDictWithTiedStorages) {
  const detail::PickledStateDict state = parse_state_dict_pickle(fixture_pickle("v1_mlm_embproj"), "x");
  ASSERT_FALSE(state.tensors.empty());
  EXPECT_EQ(state.tensors.front().first, "roformer.embeddings.word_embeddings.weight");
  std::map<std::string, detail::TensorView> views(state.tensors.begin(), state.tensors.end());
  const auto& word = views.at("roformer.embeddings.word_embeddings.weight");
  const auto& decoder = views.at("cls.predictions.decoder.weight");
  EXPECT_EQ(word.storage_key, decoder.storage_key);
  EXPECT_EQ(word.sizes, (std::vector<int64_t>{256, 32}));
  EXPECT_EQ(word.strides, (std::vector<int64_t>{32, 1}));
  EXPECT_EQ(state.storages.at(word.storage_key).numel, 8192);
}

TEST(Pickle, ReadsBuildMetadataMemoizeAndStridedViews) {
  const std::string bytes = testing::state_dict_pickle([](PickleWriter& p) {
    p.tensor_entry("t", "FloatStorage", "0", 12, 0, {3, 4}, {1, 3});
    p.tensor_entry("scalar", "HalfStorage", "1", 4, 3, {}, {});
  });
  const detail::PickledStateDict state = parse_state_dict_pickle(bytes, "crafted");
  ASSERT_EQ(state.tensors.size(), 2u);
  EXPECT_EQ(state.tensors[0].second.strides, (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(state.tensors[1].second.storage_offset, 3);
  EXPECT_EQ(state.storages.at("1").type, detail::ElementType::kF16);
}

// What CPython's pickle module writes for a state_dict-like OrderedDict of three tensor
// reductions (two views of one storage) with a _metadata attribute, through a Pickler whose
// persistent_id returns ('storage', torch.FloatStorage, key, 'cpu', numel), as torch.save's does.
// Protocol 2 is torch.save's default; protocol 4 adds FRAME, MEMOIZE, STACK_GLOBAL and
// SHORT_BINUNICODE.
const char* const kCPythonProtocol2 =
    "800263636f6c6c656374696f6e730a4f726465726564446963740a710029527101285808000000612e77656967687471"
    "0263746f7263682e5f7574696c730a5f72656275696c645f74656e736f725f76320a71032828580700000073746f7261"
    "6765710463746f7263680a466c6f617453746f726167650a71055801000000307106580300000063707571074b0c7471"
    "08514b004b034b048671094b044b0186710a8968002952710b74710c52710d5803000000612e74710e68032828680468"
    "05680668074b0c74710f514b004b044b038671104b014b04867111896800295271127471135271145806000000622e62"
    "69617371156803282868046805580100000031711668074b02747117514b004b028571184b018571198968002952711a"
    "74711b52711c757d711d58090000005f6d65746164617461711e68002952711f28580000000071207d71215807000000"
    "76657273696f6e71224b017358010000006171237d712468224b01737573622e";
const char* const kCPythonProtocol4 =
    "80049534010000000000008c0b636f6c6c656374696f6e73948c0b4f72646572656444696374949394295294288c0861"
    "2e776569676874948c0c746f7263682e5f7574696c73948c125f72656275696c645f74656e736f725f76329493942828"
    "8c0773746f72616765948c05746f726368948c0c466c6f617453746f726167659493948c0130948c03637075944b0c74"
    "94514b004b034b0486944b044b018694896802295294749452948c03612e7494680728286808680b680c680d4b0c7494"
    "514b004b044b0386944b014b048694896802295294749452948c06622e6269617394680728286808680b8c013194680d"
    "4b027494514b004b0285944b01859489680229529474945294757d948c095f6d65746164617461946802295294288c00"
    "947d948c0776657273696f6e944b01738c0161947d9468284b01737573622e";

std::string from_hex(const std::string& hex) {
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  return bytes;
}

TEST(Pickle, ReadsWhatCPythonWritesAtProtocols2And4) {
  for (const char* hex : {kCPythonProtocol2, kCPythonProtocol4}) {
    const detail::PickledStateDict state = parse_state_dict_pickle(from_hex(hex), "cpython");
    ASSERT_EQ(state.tensors.size(), 3u);
    EXPECT_EQ(state.tensors[0].first, "a.weight");
    EXPECT_EQ(state.tensors[0].second.sizes, (std::vector<int64_t>{3, 4}));
    EXPECT_EQ(state.tensors[1].first, "a.t");
    EXPECT_EQ(state.tensors[1].second.strides, (std::vector<int64_t>{1, 4}));
    EXPECT_EQ(state.tensors[1].second.storage_key, "0");
    EXPECT_EQ(state.tensors[2].second.storage_key, "1");
    EXPECT_EQ(state.storages.at("0").numel, 12);
    EXPECT_EQ(state.storages.at("1").numel, 2);
  }
}

TEST(Pickle, RefusesGlobalOsSystem) {
  // The classic payload: os.system("echo pwned") via GLOBAL + REDUCE.
  PickleWriter p;
  p.global("os", "system").op('(').str("echo pwned").op('t').op('R').op('.');
  expect_error([&] { parse_state_dict_pickle(p.bytes(), "evil.pkl"); }, ErrorCode::kBadModel,
               {"evil.pkl", "global os.system", "refused", "offset 2"});
  // The same through STACK_GLOBAL (protocol 4).
  PickleWriter q;
  q.str("builtins").str("eval").op(0x93).op('.');
  expect_error([&] { parse_state_dict_pickle(q.bytes(), "evil.pkl"); }, ErrorCode::kBadModel,
               {"global builtins.eval", "refused"});
}

TEST(Pickle, RefusesCodeRunningOpcodesByName) {
  for (const auto& [opcode, name] : std::vector<std::pair<uint8_t, std::string>>{
           {'i', "INST"}, {'o', "OBJ"}, {0x81, "NEWOBJ"}, {0x82, "EXT1"}, {'P', "PERSID"},
           {0x92, "NEWOBJ_EX"}, {'S', "STRING"}}) {
    PickleWriter p;
    p.op(opcode).op('.');
    expect_error([&] { parse_state_dict_pickle(p.bytes(), "x.pkl"); }, ErrorCode::kBadModel,
                 {"opcode " + name, "refused"});
  }
}

TEST(Pickle, RefusesAnUnknownOpcode) {
  PickleWriter p;
  p.op(0xff).op('.');
  expect_error([&] { parse_state_dict_pickle(p.bytes(), "x.pkl"); }, ErrorCode::kBadModel,
               {"unknown pickle opcode 0xff", "offset 2"});
}

TEST(Pickle, RefusesUnknownStorageTypesNamingThem) {
  for (const std::string type : {"DoubleStorage", "LongStorage", "UntypedStorage"}) {
    const std::string bytes = testing::state_dict_pickle(
        [&](PickleWriter& p) { p.tensor_entry("w", type, "0", 4, 0, {4}, {1}); });
    expect_error([&] { parse_state_dict_pickle(bytes, "x.pkl"); }, ErrorCode::kBadModel,
                 {"storage type torch." + type, "not supported"});
  }
}

TEST(Pickle, RefusesCallingAStorageTypeOrBuildingATensor) {
  PickleWriter p;
  p.global("torch", "FloatStorage").op(')').op('R').op('.');
  expect_error([&] { parse_state_dict_pickle(p.bytes(), "x.pkl"); }, ErrorCode::kBadModel,
               {"torch.FloatStorage cannot be called"});
  PickleWriter q;
  q.op(']').op('}').op('b').op('.');
  expect_error([&] { parse_state_dict_pickle(q.bytes(), "x.pkl"); }, ErrorCode::kBadModel,
               {"BUILD of a list"});
}

TEST(Pickle, RefusesViewsOutsideTheirStorage) {
  const auto view = [](int64_t numel, int64_t offset, std::vector<int64_t> sizes,
                       std::vector<int64_t> strides) {
    return testing::state_dict_pickle(
        [&](PickleWriter& p) { p.tensor_entry("w", "FloatStorage", "0", numel, offset, sizes, strides); });
  };
  expect_error([&] { parse_state_dict_pickle(view(12, 1, {3, 4}, {4, 1}), "x"); },
               ErrorCode::kBadModel, {"reaches element 12", "12 elements"});
  expect_error([&] { parse_state_dict_pickle(view(12, 0, {3, 4}, {4}), "x"); },
               ErrorCode::kBadModel, {"2 sizes but 1 strides"});
  expect_error([&] { parse_state_dict_pickle(view(12, 0, {4}, {-1}), "x"); },
               ErrorCode::kBadModel, {"negative stride"});
  expect_error(
      [&] { parse_state_dict_pickle(view(12, 0, {int64_t{1} << 40, int64_t{1} << 40}, {1, 1}), "x"); },
      ErrorCode::kBadModel, {"overflow"});
  // An empty view may sit anywhere.
  EXPECT_NO_THROW(parse_state_dict_pickle(view(0, 0, {0, 4}, {4, 1}), "x"));
}

TEST(Pickle, RefusesMalformedStructure) {
  PickleWriter underflow;
  underflow.op('t').op('.');
  expect_error([&] { parse_state_dict_pickle(underflow.bytes(), "x"); }, ErrorCode::kBadModel,
               {"TUPLE", "no MARK"});
  PickleWriter memo;
  memo.op('h').op(7).op('.');
  expect_error([&] { parse_state_dict_pickle(memo.bytes(), "x"); }, ErrorCode::kBadModel,
               {"memo slot 7"});
  PickleWriter not_dict;
  not_dict.op(']').op('.');
  expect_error([&] { parse_state_dict_pickle(not_dict.bytes(), "x"); }, ErrorCode::kBadModel,
               {"holds a list", "state_dict"});
  PickleWriter not_tensor;
  not_tensor.op('}').str("epoch").integer(3).op('s').op('.');
  expect_error([&] { parse_state_dict_pickle(not_tensor.bytes(), "x"); }, ErrorCode::kBadModel,
               {"'epoch' is a int"});
  const std::string whole = fixture_pickle("v1_qa");
  expect_error([&] { parse_state_dict_pickle(whole.substr(0, whole.size() / 2), "x"); },
               ErrorCode::kBadModel, {"truncated pickle"});
}

TEST(Pickle, SurvivesRandomCorruption) {
  // Every corrupted variant must either parse or throw roformer::Error: no crash, no other
  // exception, no runaway allocation.
  const std::string original = fixture_pickle("v1_qa");
  std::mt19937 random(1234);
  int refused = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string bytes = original;
    const int flips = 1 + trial % 4;
    for (int i = 0; i < flips; ++i) {
      bytes[random() % bytes.size()] = static_cast<char>(random() & 0xff);
    }
    if (trial % 5 == 0) bytes.resize(random() % bytes.size());
    try {
      parse_state_dict_pickle(bytes, "fuzz");
    } catch (const Error& e) {
      EXPECT_EQ(static_cast<int>(e.code()), static_cast<int>(ErrorCode::kBadModel)) << e.what();
      ++refused;
    }
  }
  EXPECT_GT(refused, 1000);
}

}  // namespace
}  // namespace roformer::checkpoint
