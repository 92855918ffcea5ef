#pragma once
// What the inspector shows for the selected pair (filled by the main window from the engine's
// analysis and inspection; Qt-only, so it builds with or without the Dear ImGui inspector).
#include <QImage>
#include <QString>
#include <QStringList>
#include <QVector>
#include <vector>

namespace hoi::ui {

struct InspectorData {
    bool hasPair = false;
    QString title;      // "person 1 — ride — horse 1"
    QString prompt;     // the prompt text
    // What CLIP's text tower encoded for the prompt, as the engine reports it (ImageAnalysis::
    // encodings): one sentence per template, with its tokens.
    struct Sentence {
        QString text;       // "a photo of a person riding a horse."
        QStringList tokens; // token strings ("<|startoftext|>", "riding</w>", ...)
        QVector<int> tokenIds;
    };
    QVector<Sentence> sentences;
    QString note;       // e.g. "Open-vocabulary scoring needs the CLIP model"

    bool scored = false;
    float sGlobal = 0, sPair = 0, sH = 0, sO = 0, final = 0, cosPair = 0, cosGlobal = 0;
    float alpha = 0, lambda = 0; // the fusion weights of the analysis (ImageAnalysis::alpha, lambda)
    float adapter = 0; // the few-shot adapter's term on the pair logit (0: no reviewed example of the class)
    // How the analysis turned logits into sGlobal and sPair (ImageAnalysis::scoring), in words for the
    // score bars: the training-free softmax over the pair's prompts, or a trained head's own sigmoid
    // per prompt with its scale e^s and bias b.
    bool sigmoid = false;
    float sigmoidScale = 0, sigmoidBias = 0;
    // The same in words, formatted once by the presenter: the score bars' tooltips ("softmax of the
    // pair feature's logits over ..." / "... sigmoid(5 · cos + 1)") and the line under them.
    QString pairScoreText, globalScoreText, scoringText;
    // The reviewed examples contributing most to `adapter`, largest |term| first (the few-shot
    // adapter's examples of the prompt's class that are near this pair).
    struct Example {
        qint64 relation = 0;  // the decided relation (MainWindow::selectInteraction opens it)
        QImage thumbnail;     // its pair cropped from its image, boxes outlined (null while it loads)
        QString label;        // "person 1 — ride — horse 2 (image.jpg)"
        float term = 0;       // its share of `adapter` (signed)
        float similarity = 0; // cos between its pair feature and this pair's
        bool positive = true; // accepted (true) or rejected
    };
    QVector<Example> examples;
    int adapterExamples = 0;        // examples the adapter holds in all (of every class)
    bool examplesPending = false;   // the contributions are being computed
    // A score without a breakdown in the image's analysis (a pair made by hand and scored on its own
    // by MainWindow::scoreMadePair, or a score read from a file).
    bool scoredAlone = false;
    float aloneScore = 0;

    // Attention stacks: data[(layer * heads + head) * gridW * gridH + cell].
    struct Stack {
        int layers = 0, heads = 0, gridW = 0, gridH = 0;
        std::vector<float> data;
        bool empty() const { return layers <= 0 || heads <= 0 || data.empty(); }
    };
    Stack imageCls;  // the class token, every layer (whole image)
    Stack pairQuery; // the pair's masked query, last layer, per head
    bool inspectionPending = false;

    struct Timing {
        QString stage;
        double ms = 0;
        bool cached = false;
    };
    QVector<Timing> timings; // of the last analysis of the image
};

} // namespace hoi::ui
