#pragma once
// The Inspector dock ("inspectorDock"): the Dear ImGui InspectorWidget when the build has it and
// this display can make an OpenGL context (not on the offscreen / minimal platforms, nor with
// HOI_NO_INSPECTOR set), else a line saying why there is none. It passes the inspector's values
// on and its clicks out.
#include <QDockWidget>

#include "annotation/document.h"
#include "inspector_data.h"

namespace hoi::ui {

class InspectorDock : public QDockWidget {
    Q_OBJECT
public:
    explicit InspectorDock(QWidget* parent = nullptr);

    QWidget* content() const { return content_; }
    // Whether the OpenGL inspector is shown (false: the line saying why not).
    bool hasInspector() const;
    void setData(const InspectorData& data);

Q_SIGNALS:
    void attentionTileClicked(int layer, int head);
    void exampleClicked(hoi::annotation::Id relation);

private:
    QWidget* content_ = nullptr;
};

} // namespace hoi::ui
