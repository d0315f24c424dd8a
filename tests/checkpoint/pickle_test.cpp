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
