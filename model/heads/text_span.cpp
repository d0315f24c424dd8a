#include "model/heads/text_span.hpp"

#include <vector>

#include "model/tokenizer/utf8.hpp"

namespace roformer::heads {

std::string code_point_substring(std::string_view text, int32_t start, int32_t end) {
  std::vector<char32_t> code_points;
  tok::decode_utf8(text, code_points);
  const int32_t size = static_cast<int32_t>(code_points.size());
  start = std::max<int32_t>(start, 0);
  end = std::min(end, size);
  std::string out;
  for (int32_t i = start; i < end; ++i) tok::append_utf8(code_points[i], out);
  return out;
}

}  // namespace roformer::heads
