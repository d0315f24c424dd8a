// Slicing the original text by the tokenizer's offsets, which count Unicode code points.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace roformer::heads {

// Code points [start, end) of UTF-8 `text`, as UTF-8; clamped to the text, empty when end <= start.
// Ill-formed bytes count as one code point each (U+FFFD), as the tokenizer counts them.
std::string code_point_substring(std::string_view text, int32_t start, int32_t end);

}  // namespace roformer::heads
