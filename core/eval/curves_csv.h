#pragma once
// The precision-recall points of an evaluation as CSV (hoi eval --curves), one row per detection
// of every evaluated class, in rank order:
//   hoi,verb,object,rank,score,true_positive,recall,precision
// (hoi 0-based; rank 1-based; true_positive 0/1; numbers as the shortest text that reads back as
// the same double, as in JSON: 0.9, 1.0). A class with
// ground truth and no detection has no row. Needs an EvalResult computed with keep_curves.
#include "eval/hico_eval.h"

#include <string>

namespace hoi::eval {

std::string curves_csv(const EvalResult& result);

} // namespace hoi::eval
