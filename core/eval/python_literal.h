#pragma once
// Python literals (the text `str(obj)` / `repr(obj)` gives for dicts, lists, tuples, strings and
// numbers) as JSON. GEN-VLKT's HICO-DET evaluator writes its predictions as
// `json.dumps(str({'preds': ..., 'gts': ...}))`: a JSON string holding such a literal, with
// numpy scalars and arrays in it. Read here:
//   dict (string or number keys), list, tuple (-> array), 'str' / "str" (with \n \t \\ \' \" \xNN
//   \uNNNN \UNNNNNNNN escapes), int, float, True / False / None, nan / inf / -inf (-> the JSON
//   strings "nan", "inf", "-inf": JSON has no such numbers; see number_or_marker), and calls
//   NAME(value, keyword=...) such as np.float32(0.5), np.int64(3), array([1, 2], dtype=float32)
//   (-> the first argument).
// Anything else throws hoi::Error(Input) naming `source` and the character offset.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace hoi::eval {

nlohmann::json parse_python_literal(std::string_view text, const std::string& source);

// A JSON number, or one of the markers "nan", "inf", "-inf" as its double; std::nullopt otherwise.
std::optional<double> number_or_marker(const nlohmann::json& value);

} // namespace hoi::eval
