#include "studio_style.h"

#include <QApplication>
#include <QPalette>
#include <QStyleFactory>

#include "icons.h"

namespace hoi::ui {

void applyStudioStyle(QApplication& app) {
    app.setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QPalette p;
    const QColor window(45, 47, 52), base(33, 35, 39), text(222, 224, 228), disabled(120, 122, 128);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(39, 41, 46));
    p.setColor(QPalette::ToolTipBase, QColor(25, 26, 29));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, disabled);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor(55, 58, 64));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, QColor(255, 80, 80));
    p.setColor(QPalette::Highlight, QColor(61, 118, 214));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(110, 168, 254));
    p.setColor(QPalette::Mid, QColor(30, 31, 35));
    p.setColor(QPalette::Dark, QColor(25, 26, 29));
    p.setColor(QPalette::Light, QColor(70, 73, 80));
    for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, disabled);
    app.setPalette(p);
    app.setWindowIcon(icon(QStringLiteral("app")));
    app.setStyleSheet(QStringLiteral(
        "QToolTip { color: #dee0e4; background: #191a1d; border: 1px solid #44474f; padding: 4px; }"
        "QDockWidget::title { padding: 5px 8px; background: #2a2c31; }"
        "QStatusBar::item { border: none; }"));
}

} // namespace hoi::ui
