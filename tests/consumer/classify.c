/* Classifies one sentence with the C API: classify_c MODEL.gguf TEXT -> "label score". */
#include <roformer/roformer.h>

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s MODEL.gguf TEXT\n", argv[0]);
    return 2;
  }
  roformer_model* model = NULL;
  roformer_session* session = NULL;
  float* scores = NULL; /* one probability per label */
  size_t label_count = 0, best = 0;
  const char* label = NULL;
  const char* texts[1] = {argv[2]};

  int ok = roformer_model_load(argv[1], &model) == ROFORMER_OK &&
           roformer_session_create(model, &session) == ROFORMER_OK &&
           roformer_model_label_count(model, &label_count) == ROFORMER_OK &&
           (scores = malloc(label_count * sizeof(float))) != NULL &&
           roformer_classify(session, texts, NULL, 1, NULL, &best, scores) == ROFORMER_OK &&
           roformer_model_label(model, best, &label) == ROFORMER_OK;
  if (ok) {
    printf("%s %.4f\n", label, scores[best]);
  } else {
    fprintf(stderr, "error: %s\n", roformer_last_error());
  }
  free(scores);
  roformer_session_free(session);
  roformer_model_free(model);
  return ok ? 0 : 1;
}
