#pragma once
// hoi::learn::train_head — trains the learnable head (hoi/learnable_head.h) on labelled relations
// with CLIP and the detector frozen (`hoi train`).
//
// Data: the labelled set's images with their own boxes (ground truth) and, with with_detections,
// the detector's boxes matched to them; every person box is paired with every other box
// (FeatureCache::all_pairs); a pair's target for a class is 1 when a relation of that class on the
// labelled boxes the pair's boxes stand for is a positive, else 0 (rejected relations and
// unlabelled pairs are negatives); a pair of two boxes of one labelled box is left out. Only classes whose object is the pair's object take part (as in scoring).
// Classes: TrainOptions::classes, else those of the positives. A zero-shot split (rf-uc, nf-uc,
// uo, uv) removes its unseen classes from the class list, so they never appear as positives (or
// negatives).
// Model: logit = exp(s) · cos(head(pair), text(context)) + b per (pair, class), s and b learned
// with the interactor and decoder residuals and the prompt context (CLIP4HOI's
// "[PREFIX] verb [CONJUN] object", LearnableHead); loss: sigmoid focal loss (γ = 2, α = 0.25,
// Lin et al. 2017) summed over the pairs' classes, divided by the number of positives of the batch;
// Adam (lr 1e-3, warmed up over the first kWarmupSteps steps). The head's parts take an Adam
// step every batch. The prompt context takes one an epoch, from the whole epoch's gradient with
// respect to the classes' text embeddings: the frozen text tower runs forward and backward once
// an epoch (in chunks of 64 classes), not at every step, so it costs about two encodings of the
// class list per epoch.
// The head file is saved with "scoring": "sigmoid", so the engine scores with these sigmoids, and
// encodes the prompts with the learned context.
//
// Determinism: images are visited in an order drawn from (seed, epoch); with the same seed and
// thread count the head is byte-identical. A checkpoint (out + ".ckpt") is written at epoch ends
// (kCheckpointSeconds apart, and after the last); resume continues from it and gives the same head
// as an uninterrupted run.
// Cancellation (Ctrl-C) is checked between steps: Error(Cancelled), the last checkpoint kept.
#include "hoi/engine.h"
#include "learn/labelled_set.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hoi::learn {

struct TrainOptions {
    std::string out;                      // HEAD.safetensors
    std::vector<model::Prompt> classes;   // empty: the classes of the positives
    std::string split = "default";        // zero-shot split whose unseen classes are left out
    int epochs = 0;                       // 0: the default budget (below), or early stop with validation
    std::uint64_t seed = 1;
    bool resume = false;
    float learning_rate = 1e-3f;
    int batch_images = 4;
    bool train_interactor = true, train_decoder = true, train_context = true;
    // Also train on the detector's boxes matched to the labelled ones (IoU >= 0.5, same class;
    // learn/labelled_set.h add_matched_detections), so the head meets the boxes it will score.
    bool with_detections = false;
    std::string cache_dir;                // feature cache ("" = FeatureCache::default_dir())
    int patience = 3;                     // with validation: stop after this many epochs without improvement
};
// Default budget: kDefaultEpochs epochs, but at least kMinSteps optimiser steps (twenty labelled
// images are 5 steps an epoch: 200 epochs); with validation, until the validation loss has not
// improved for `patience` epochs (at most max(100, that budget)).
constexpr int kDefaultEpochs = 30;
// The learning rate of the head's parts rises linearly over their first steps (warm-up).
constexpr int kWarmupSteps = 50;
// Without an epoch count or validation, training stops once an epoch's mean loss is below this
// (per positive: the labelled pairs come out right), before the budget's end.
constexpr double kConvergedLoss = 1e-3;
// A checkpoint is written after an epoch when this many seconds passed since the last one, and
// after the last epoch (so small sets with many short epochs do not write one every epoch).
constexpr int kCheckpointSeconds = 30;
constexpr int kMinSteps = 1000;

struct TrainProgress {
    int epoch = 0, epochs = 0;  // 1-based
    int step = 0, steps = 0;    // within the epoch
    double loss = 0;            // this step's loss
    double eta_seconds = -1;
    std::string stage;          // "features" (with step = image) or "train"
};

struct TrainReport {
    int epochs_run = 0;              // epochs completed in this call
    int epoch = 0;                   // epochs of the head in all (with resume)
    std::vector<double> epoch_loss;  // mean training loss of every epoch (all, with resume)
    std::vector<double> val_loss;
    bool stopped_early = false;
    std::string stop_reason;         // "converged", "validation" (stopped early) or "" (the budget ran out)
    std::size_t images = 0, pairs = 0, positives = 0;
    std::vector<std::string> failed_images; // "path: reason"
    std::map<std::string, std::size_t> skipped; // reason -> relations
    std::vector<std::string> classes;  // the head's classes (prompt texts)
    std::size_t cache_hits = 0, cache_misses = 0;
    std::size_t matched_detections = 0; // detector boxes added (with_detections)
    std::string data_sha256;
    nlohmann::json to_json() const;
};

// Throws hoi::Error(Input) when training cannot proceed (no usable image, no positives, no class),
// Error(Usage) for bad options or a checkpoint of another run, Error(Cancelled) when cancelled.
TrainReport train_head(model::Engine& engine, const LabelledSet& train, const LabelledSet* validation,
                       const TrainOptions& options, const CancelFlag* cancel = nullptr,
                       const std::function<void(const TrainProgress&)>& progress = {});

} // namespace hoi::learn
