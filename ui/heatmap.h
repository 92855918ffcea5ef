#pragma once
// Colouring of attention / relevance grids for display: a float grid becomes a translucent
// ARGB image (low values transparent, high values opaque and warm), ready to be scaled over the image.
#include <QColor>
#include <QImage>
#include <vector>

namespace hoi::ui {

// A row-major float grid (rows x cols). Values are any finite numbers; they are normalised
// to 0..1 by the grid's own min and max before colouring (a constant grid becomes all zero).
struct Grid {
    int rows = 0, cols = 0;
    std::vector<float> values;
    bool empty() const { return rows <= 0 || cols <= 0 || values.size() != size_t(rows) * size_t(cols); }
};

// The colour of a normalised value t in 0..1 on the perceptual "inferno"-like ramp used for heatmaps.
QColor heatColor(double t);

// The grid coloured with heatColor; alpha grows with the value (t = 0 fully transparent) so the
// image stays visible where the model did not look. Format_ARGB32_Premultiplied, cols x rows pixels.
// Empty grid: a null QImage.
QImage heatmapImage(const Grid& grid, bool translucent = true);

} // namespace hoi::ui
