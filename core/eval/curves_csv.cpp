#include "eval/curves_csv.h"

#include "annotation/hico_vocabulary.h"

#include <nlohmann/json.hpp>

namespace hoi::eval {

namespace {

// The shortest text that reads back as the same double (as JSON output): "0.9", "1.0".
std::string number(double v) { return nlohmann::json(v).dump(); }

} // namespace

std::string curves_csv(const EvalResult& r) {
    const auto& vocab = annotation::HicoVocabulary::instance();
    std::string out = "hoi,verb,object,rank,score,true_positive,recall,precision\n";
    for (const ClassResult& c : r.classes) {
        const auto& h = vocab.hoi(c.hoi);
        // HICO verb and object names have no comma, quote or newline: no CSV quoting needed.
        const std::string head = std::to_string(c.hoi) + "," + vocab.verb_name(h.verb) + "," +
                                 vocab.objects_coco80()[size_t(h.object_coco80)] + ",";
        for (size_t k = 0; k < c.curve.size(); ++k) {
            const CurvePoint& p = c.curve[k];
            out += head + std::to_string(k + 1) + "," + number(p.score) + "," + (p.true_positive ? "1" : "0") + "," +
                   number(p.recall) + "," + number(p.precision) + "\n";
        }
    }
    return out;
}

} // namespace hoi::eval
