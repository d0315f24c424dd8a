// Classifies one sentence with the C++ API: classify_cpp MODEL.gguf TEXT -> "label score".
#include <roformer/roformer.hpp>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s MODEL.gguf TEXT\n", argv[0]);
    return 2;
  }
  try {
    // Load once; share the model between threads, one Session per thread.
    std::shared_ptr<const roformer::api::Model> model = roformer::api::Model::load(argv[1]);
    roformer::api::Session session(model);
    roformer::api::Classification result = session.classify({argv[2]}).at(0);
    std::printf("%s %.4f\n", result.label.c_str(), result.score);
  } catch (const roformer::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
