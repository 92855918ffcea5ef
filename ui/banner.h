#pragma once
// The warning strip above the canvas ("banner", its text "bannerText"): a missing model, an engine
// that failed to load, a missing trained head. Hidden until a message is shown.
#include <QFrame>

class QLabel;

namespace hoi::ui {

class Banner : public QFrame {
    Q_OBJECT
public:
    explicit Banner(QWidget* parent = nullptr);
    void showMessage(const QString& html); // shows the banner
    QString text() const;

private:
    QLabel* label_;
};

} // namespace hoi::ui
