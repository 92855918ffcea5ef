#include "inspector_widget.h"

#include <QEvent>
#include <QFile>
#include <QOpenGLContext>
#include <QOpenGLTexture>
#include <QSurfaceFormat>
#include <QTimer>
#include <algorithm>
#include <cmath>

#include <imgui.h>
#include <backends/imgui_impl_opengl3.h>

#include "heatmap.h"
#include "imgui_bridge.h"

namespace hoi::ui {

namespace {

constexpr int kTile = 36; // pixels of one attention tile in the atlas

// The stack as an atlas image: layers as rows, heads as columns, each tile kTile x kTile.
QImage atlasImage(const InspectorData::Stack& s) {
    if (s.empty()) return {};
    const int n = s.gridW * s.gridH;
    QImage atlas(s.heads * kTile, s.layers * kTile, QImage::Format_RGBA8888);
    atlas.fill(Qt::black);
    for (int l = 0; l < s.layers; ++l)
        for (int h = 0; h < s.heads; ++h) {
            Grid g;
            g.rows = s.gridH;
            g.cols = s.gridW;
            const size_t off = size_t(l * s.heads + h) * size_t(n);
            if (off + size_t(n) > s.data.size()) continue;
            g.values.assign(s.data.begin() + long(off), s.data.begin() + long(off + size_t(n)));
            const QImage tile = heatmapImage(g, false).scaled(kTile, kTile, Qt::IgnoreAspectRatio, Qt::FastTransformation);
            for (int y = 0; y < kTile; ++y)
                for (int x = 0; x < kTile; ++x) atlas.setPixelColor(h * kTile + x, l * kTile + y, tile.pixelColor(x, y));
        }
    return atlas;
}

ImVec4 rgb(int r, int g, int b, float a = 1.0f) { return ImVec4(r / 255.f, g / 255.f, b / 255.f, a); }

void scoreBar(const char* label, float value, ImVec4 color, const char* help) {
    ImGui::TextUnformatted(label);
    ImGui::SameLine(90);
    ImGui::PushStyleColor(ImGuiCol_PlotHistogram, color);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", value);
    ImGui::ProgressBar(std::clamp(value, 0.0f, 1.0f), ImVec2(-1, 0), buf);
    ImGui::PopStyleColor();
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", help);
}

} // namespace

InspectorWidget::InspectorWidget(QWidget* parent) : QOpenGLWidget(parent) {
    setObjectName(QStringLiteral("inspector"));
    QSurfaceFormat f = format();
    f.setVersion(3, 3);
    f.setProfile(QSurfaceFormat::CoreProfile);
    setFormat(f);
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setMinimumSize(260, 200);
    bridge_ = std::make_unique<ImGuiBridge>(this);
    bridge_->makeCurrent();
    // A proper UI font when the system has one (the built-in bitmap font lacks dashes and accents).
    for (const char* path : {"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                             "/usr/share/fonts/TTF/DejaVuSans.ttf",
                             "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"}) {
        if (QFile::exists(QString::fromLatin1(path))) {
            static const ImWchar ranges[] = {0x0020, 0x017F, 0x2010, 0x2027, 0x2190, 0x21FF, 0x2713, 0x2717, 0};
            ImGui::GetIO().Fonts->AddFontFromFileTTF(path, 14.0f, nullptr, ranges);
            break;
        }
    }
    ImGuiStyle& st = ImGui::GetStyle();
    ImGui::StyleColorsDark(&st);
    st.WindowRounding = 0;
    st.FrameRounding = 3;
    st.GrabRounding = 3;
    st.WindowPadding = ImVec2(10, 8);
    st.ItemSpacing = ImVec2(6, 5);
    st.Colors[ImGuiCol_WindowBg] = rgb(30, 32, 36);
    st.Colors[ImGuiCol_Header] = rgb(52, 56, 64);
    st.Colors[ImGuiCol_HeaderHovered] = rgb(64, 70, 80);
    st.Colors[ImGuiCol_FrameBg] = rgb(44, 47, 53);
}

InspectorWidget::~InspectorWidget() {
    if (glReady_ && context()) {
        makeCurrent();
        releaseGl();
        doneCurrent();
    }
}

void InspectorWidget::releaseGl() {
    bridge_->makeCurrent();
    clsAtlas_.reset();
    pairAtlas_.reset();
    exampleTextures_.clear();
    if (glReady_) ImGui_ImplOpenGL3_Shutdown();
    glReady_ = false;
}

void InspectorWidget::setData(const InspectorData& data) {
    data_ = data;
    dirtyTextures_ = true;
    update();
}

void InspectorWidget::initializeGL() {
    initializeOpenGLFunctions();
    bridge_->makeCurrent();
    const QSurfaceFormat f = context()->format();
    const bool core = f.version() >= qMakePair(3, 2);
    glReady_ = ImGui_ImplOpenGL3_Init(core ? "#version 150" : "#version 130");
    dirtyTextures_ = true;
    // The context can go away (dock floated to another screen): clean up then.
    connect(context(), &QOpenGLContext::aboutToBeDestroyed, this, [this] {
        makeCurrent();
        releaseGl();
        doneCurrent();
    });
}

void InspectorWidget::resizeGL(int, int) { update(); }

bool InspectorWidget::event(QEvent* e) {
    if (bridge_ && bridge_->handleEvent(e)) {
        settleFrames_ = 2;
        update();
        // Keys ImGui does not want go on to the window's shortcuts.
        if ((e->type() == QEvent::KeyPress || e->type() == QEvent::KeyRelease) && !bridge_->wantsKeyboard())
            return QOpenGLWidget::event(e);
        if (e->type() == QEvent::FocusIn || e->type() == QEvent::FocusOut || e->type() == QEvent::Leave)
            return QOpenGLWidget::event(e);
        e->accept();
        return true;
    }
    return QOpenGLWidget::event(e);
}

void InspectorWidget::uploadAtlases() {
    clsAtlas_.reset();
    pairAtlas_.reset();
    const QImage cls = atlasImage(data_.imageCls);
    if (!cls.isNull()) {
        clsAtlas_ = std::make_unique<QOpenGLTexture>(cls, QOpenGLTexture::DontGenerateMipMaps);
        clsAtlas_->setMinMagFilters(QOpenGLTexture::Linear, QOpenGLTexture::Linear);
    }
    const QImage pq = atlasImage(data_.pairQuery);
    if (!pq.isNull()) {
        pairAtlas_ = std::make_unique<QOpenGLTexture>(pq, QOpenGLTexture::DontGenerateMipMaps);
        pairAtlas_->setMinMagFilters(QOpenGLTexture::Linear, QOpenGLTexture::Linear);
    }
    exampleTextures_.clear();
    for (const auto& e : data_.examples) {
        if (e.thumbnail.isNull()) {
            exampleTextures_.push_back(nullptr);
            continue;
        }
        auto tex = std::make_unique<QOpenGLTexture>(e.thumbnail.convertToFormat(QImage::Format_RGBA8888),
                                                    QOpenGLTexture::DontGenerateMipMaps);
        tex->setMinMagFilters(QOpenGLTexture::Linear, QOpenGLTexture::Linear);
        exampleTextures_.push_back(std::move(tex));
    }
    dirtyTextures_ = false;
}

void InspectorWidget::paintGL() {
    const double dpr = devicePixelRatioF();
    glViewport(0, 0, int(width() * dpr), int(height() * dpr));
    glClearColor(30 / 255.f, 32 / 255.f, 36 / 255.f, 1);
    glClear(GL_COLOR_BUFFER_BIT);
    if (!glReady_) return;
    if (dirtyTextures_) uploadAtlases();
    bridge_->makeCurrent();
    ImGui_ImplOpenGL3_NewFrame();
    bridge_->newFrame();
    ImGui::NewFrame();
    drawUi();
    ImGui::Render();
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    bridge_->updateCursor();
    ++frames_;
    Q_EMIT frameRendered();
    // Input left for later frames (a press and its release given in one go): draw them, then settle.
    if (bridge_->hasPendingInput()) settleFrames_ = std::max(settleFrames_, 2);
    if (settleFrames_ > 0) {
        --settleFrames_;
        QTimer::singleShot(0, this, qOverload<>(&QWidget::update));
    }
}

// The reviewed examples behind the adapter's term: thumbnail, which pair, its signed share.
void InspectorWidget::drawExamples() {
    const InspectorData& d = data_;
    if (d.adapterExamples == 0) return;
    if (d.examplesPending) {
        ImGui::TextDisabled("Finding the reviewed examples behind this score...");
        return;
    }
    if (d.examples.isEmpty()) {
        ImGui::PushTextWrapPos(0);
        ImGui::TextDisabled("None of your %d reviewed example%s is this interaction on a similar pair.",
                            d.adapterExamples, d.adapterExamples == 1 ? "" : "s");
        ImGui::PopTextWrapPos();
        return;
    }
    ImGui::Spacing();
    ImGui::TextUnformatted("Reviewed examples behind it");
    // Drawn as made (ExampleThumbnails::kHeight), very wide pairs narrower: the dock is narrow.
    const float thumbH = 72.0f, maxW = 2 * thumbH;
    auto thumbSize = [&](const QImage& t) {
        if (t.isNull()) return ImVec2(thumbH, thumbH);
        const ImVec2 size(thumbH * float(t.width()) / float(std::max(1, t.height())), thumbH);
        return size.x > maxW ? ImVec2(maxW, thumbH * maxW / size.x) : size;
    };
    float column = 0; // the labels start right of the widest thumbnail
    for (const auto& e : d.examples) column = std::max(column, thumbSize(e.thumbnail).x);
    const float textX = ImGui::GetCursorPosX() + column + ImGui::GetStyle().ItemSpacing.x;
    for (int i = 0; i < d.examples.size(); ++i) {
        const InspectorData::Example& e = d.examples[i];
        ImGui::PushID(i);
        const float y0 = ImGui::GetCursorPosY();
        QOpenGLTexture* tex = size_t(i) < exampleTextures_.size() ? exampleTextures_[size_t(i)].get() : nullptr;
        bool clicked = false;
        if (tex) {
            const ImVec2 size = thumbSize(e.thumbnail);
            const ImTextureID id = reinterpret_cast<ImTextureID>(static_cast<intptr_t>(tex->textureId()));
            clicked = ImGui::ImageButton(id, size, ImVec2(0, 0), ImVec2(1, 1), 0);
            if (ImGui::IsItemHovered()) ImGui::SetTooltip("click: open this example");
        } else {
            clicked = ImGui::Button("...", ImVec2(thumbH, thumbH));
            if (ImGui::IsItemHovered()) ImGui::SetTooltip("loading the picture; click: open this example");
        }
        ImGui::SameLine(textX);
        ImGui::BeginGroup();
        ImGui::PushTextWrapPos(0);
        ImGui::TextUnformatted(e.label.toUtf8().constData());
        ImGui::PopTextWrapPos();
        const ImVec4 color = e.term >= 0 ? rgb(52, 199, 89) : rgb(255, 95, 87);
        ImGui::TextColored(color, "%+.3f", e.term);
        ImGui::SameLine();
        ImGui::TextDisabled("%s, cos %.2f", e.positive ? "accepted" : "rejected", e.similarity);
        ImGui::EndGroup();
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("this example's share of the adapter's term");
        // The row is at least the thumbnail's height.
        if (const float left = y0 + thumbH + ImGui::GetStyle().ItemSpacing.y - ImGui::GetCursorPosY(); left > 0)
            ImGui::Dummy(ImVec2(0, left - ImGui::GetStyle().ItemSpacing.y));
        ImGui::PopID();
        if (clicked) {
            // Not now: opening it replaces data_, which this frame is still reading.
            const qint64 relation = e.relation;
            QMetaObject::invokeMethod(this, [this, relation] { Q_EMIT exampleClicked(relation); }, Qt::QueuedConnection);
        }
    }
}

void InspectorWidget::drawUi() {
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImGui::GetIO().DisplaySize);
    ImGui::Begin("##inspector", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                     ImGuiWindowFlags_NoBringToFrontOnFocus);
    const InspectorData& d = data_;
    if (!d.hasPair) {
        ImGui::TextDisabled("Select a pair to inspect it.");
        if (!d.note.isEmpty()) {
            ImGui::Spacing();
            ImGui::TextWrapped("%s", d.note.toUtf8().constData());
        }
    } else {
        ImGui::PushStyleColor(ImGuiCol_Text, rgb(252, 255, 164));
        ImGui::TextWrapped("%s", d.title.toUtf8().constData());
        ImGui::PopStyleColor();
        if (!d.prompt.isEmpty()) ImGui::TextDisabled("prompt: %s", d.prompt.toUtf8().constData());
        if (!d.note.isEmpty()) ImGui::TextWrapped("%s", d.note.toUtf8().constData());

        if (ImGui::CollapsingHeader("Score", ImGuiTreeNodeFlags_DefaultOpen)) {
            if (d.scored) {
                const QByteArray globalText = d.globalScoreText.toUtf8(), pairText = d.pairScoreText.toUtf8();
                scoreBar("global", d.sGlobal, rgb(136, 34, 106), globalText.constData());
                scoreBar("pairwise", d.sPair, rgb(186, 54, 85), pairText.constData());
                scoreBar("human", d.sH, rgb(61, 139, 253), "detector score of the human (prior)");
                scoreBar("object", d.sO, rgb(253, 126, 20), "detector score of the object (prior)");
                ImGui::Separator();
                scoreBar("final", d.final, rgb(249, 201, 50), "s_h^l * s_o^l * (a * s_pair + (1 - a) * s_global)");
                ImGui::TextDisabled("final = s_h^%.1f s_o^%.1f (%.2f s_pair + %.2f s_global)", d.lambda, d.lambda,
                                    d.alpha, 1 - d.alpha);
                ImGui::TextDisabled("cos pair %.3f   cos global %.3f", d.cosPair, d.cosGlobal);
                // What computed s_pair and s_global (the analysis' scoring).
                ImGui::TextDisabled("%s", d.scoringText.toUtf8().constData());
                if (d.adapter != 0)
                    ImGui::TextDisabled("learned from your reviews: %+.3f on the pair logit (before s_pair)", d.adapter);
                drawExamples();
            } else if (d.scoredAlone) {
                scoreBar("final", d.aloneScore, rgb(249, 201, 50), "the model's score of this pair with this verb");
                ImGui::TextWrapped("No breakdown: the image's analysis does not hold this pair with this verb "
                                   "(a pair made by hand, or a verb no prompt asked for).");
            } else {
                ImGui::TextDisabled("No model score (added by hand, or no CLIP model).");
            }
        }
        if (!d.sentences.isEmpty() && ImGui::CollapsingHeader("Tokens", ImGuiTreeNodeFlags_DefaultOpen)) {
            const float right = ImGui::GetWindowContentRegionMax().x;
            for (int s = 0; s < d.sentences.size(); ++s) {
                const InspectorData::Sentence& sentence = d.sentences[s];
                ImGui::TextWrapped("\"%s\"", sentence.text.toUtf8().constData());
                ImGui::PushID(s);
                for (int i = 0; i < sentence.tokens.size(); ++i) {
                    const QByteArray t = sentence.tokens[i].toUtf8();
                    const ImVec2 sz = ImGui::CalcTextSize(t.constData());
                    if (i > 0) {
                        ImGui::SameLine();
                        if (ImGui::GetCursorPosX() + sz.x + 12 > right) ImGui::NewLine();
                    }
                    ImGui::PushID(i);
                    ImGui::PushStyleColor(ImGuiCol_Button, rgb(52, 56, 64));
                    ImGui::SmallButton(t.constData());
                    ImGui::PopStyleColor();
                    if (ImGui::IsItemHovered() && i < sentence.tokenIds.size())
                        ImGui::SetTooltip("id %d", sentence.tokenIds[i]);
                    ImGui::PopID();
                }
                ImGui::PopID();
            }
        }
        auto drawStack = [&](const char* header, const InspectorData::Stack& s, QOpenGLTexture* tex, bool pairQuery) {
            if (!ImGui::CollapsingHeader(header, ImGuiTreeNodeFlags_DefaultOpen)) return;
            if (s.empty() || !tex) {
                ImGui::TextDisabled(d.inspectionPending ? "Computing..."
                                    : d.scoredAlone ? "Not available for this pair (not in the image's analysis)."
                                                    : "Not available (needs the CLIP model).");
                return;
            }
            const float avail = ImGui::GetContentRegionAvail().x - 24;
            const float tile = std::clamp(std::floor((avail - (s.heads - 1) * 2) / s.heads), 10.0f, 40.0f);
            ImGui::TextDisabled("%d layers x %d heads, %dx%d patches (rows: layers, columns: heads)", s.layers,
                                s.heads, s.gridW, s.gridH);
            const ImTextureID id = reinterpret_cast<ImTextureID>(static_cast<intptr_t>(tex->textureId()));
            for (int l = 0; l < s.layers; ++l) {
                ImGui::TextDisabled("%2d", pairQuery ? std::max(d.imageCls.layers, 1) : l + 1);
                for (int h = 0; h < s.heads; ++h) {
                    ImGui::SameLine(0, 2);
                    const ImVec2 uv0(float(h) / s.heads, float(l) / s.layers);
                    const ImVec2 uv1(float(h + 1) / s.heads, float(l + 1) / s.layers);
                    ImGui::PushID(l * 1000 + h + (pairQuery ? 500000 : 0));
                    if (ImGui::ImageButton(id, ImVec2(tile, tile), uv0, uv1, 0))
                        Q_EMIT attentionTileClicked(pairQuery ? -1 : l, h);
                    if (ImGui::IsItemHovered()) {
                        ImGui::BeginTooltip();
                        ImGui::Text(pairQuery ? "pair query, head %d" : "layer %d, head %d", pairQuery ? h + 1 : l + 1, h + 1);
                        ImGui::Image(id, ImVec2(144, 144), uv0, uv1);
                        ImGui::TextDisabled("click: show on the image");
                        ImGui::EndTooltip();
                    }
                    ImGui::PopID();
                }
            }
        };
        drawStack("Attention per layer and head (class token)", d.imageCls, clsAtlas_.get(), false);
        drawStack("Pair query attention (last layer, per head)", d.pairQuery, pairAtlas_.get(), true);
    }
    if (!d.timings.isEmpty() && ImGui::CollapsingHeader("Timings of the last analysis", ImGuiTreeNodeFlags_DefaultOpen)) {
        double total = 0;
        for (const auto& t : d.timings) total += t.ms;
        // Fixed widths for the text columns: proportional sizing measured the first (empty) frame
        // and kept the columns a few pixels wide.
        if (ImGui::BeginTable("timings", 3, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit)) {
            const float em = ImGui::GetFontSize();
            ImGui::TableSetupColumn("stage", ImGuiTableColumnFlags_WidthFixed, 8.5f * em);
            ImGui::TableSetupColumn("ms", ImGuiTableColumnFlags_WidthFixed, 4.5f * em);
            ImGui::TableSetupColumn("", ImGuiTableColumnFlags_WidthStretch);
            ImGui::TableHeadersRow();
            for (const auto& t : d.timings) {
                ImGui::TableNextRow();
                ImGui::TableNextColumn();
                ImGui::TextUnformatted(t.stage.toUtf8().constData());
                ImGui::TableNextColumn();
                ImGui::Text("%.1f", t.ms);
                ImGui::TableNextColumn();
                const float frac = total > 0 ? float(t.ms / total) : 0.f;
                if (t.cached) ImGui::TextDisabled("cached");
                else ImGui::ProgressBar(frac, ImVec2(-1, 8), "");
            }
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted("total");
            ImGui::TableNextColumn();
            ImGui::Text("%.1f", total);
            ImGui::EndTable();
        }
    }
    ImGui::End();
}

} // namespace hoi::ui
