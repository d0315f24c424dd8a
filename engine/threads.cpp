#include "engine/threads.hpp"

#include <cblas.h>

namespace roformer {

void set_blas_threads(int threads) { openblas_set_num_threads(std::max(threads, 1)); }

}  // namespace roformer
