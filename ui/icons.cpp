#include "icons.h"

#include <QGuiApplication>
#include <QIconEngine>
#include <QPainter>
#include <QPainterPath>
#include <QPalette>
#include <QPixmap>
#include <QSet>

namespace hoi::ui {

namespace {

const QColor kHuman(61, 139, 253);
const QColor kObject(253, 126, 20);
const QColor kGreen(46, 160, 67);
const QColor kRed(218, 54, 51);

// Draws icon `name` into a 24x24 design box with the foreground colour fg.
void paintIcon(QPainter& p, const QString& name, const QColor& fg) {
    QPen pen(fg, 2.0, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin);
    p.setPen(pen);
    p.setBrush(Qt::NoBrush);
    auto arrowHead = [&](QPointF tip, QPointF dir) {
        QPointF n(-dir.y(), dir.x());
        QPolygonF tri{tip, tip - dir * 5 + n * 4, tip - dir * 5 - n * 4};
        p.setBrush(fg);
        p.drawPolygon(tri);
        p.setBrush(Qt::NoBrush);
    };
    if (name == "open" || name == "open-folder") {
        QPainterPath path;
        path.moveTo(3, 19); path.lineTo(3, 5); path.lineTo(9, 5); path.lineTo(11, 7); path.lineTo(20, 7); path.lineTo(20, 10);
        p.drawPath(path);
        QPainterPath front;
        front.moveTo(3, 19); front.lineTo(6, 10); front.lineTo(22, 10); front.lineTo(19, 19); front.closeSubpath();
        p.drawPath(front);
        if (name == "open") {
            p.drawLine(QPointF(13, 12.5), QPointF(13, 17));
            p.drawLine(QPointF(10.8, 14.8), QPointF(15.2, 14.8));
        }
    } else if (name == "save") {
        p.drawRoundedRect(QRectF(4, 4, 16, 16), 2, 2);
        p.drawRect(QRectF(8, 4, 8, 5));
        p.drawRect(QRectF(7, 13, 10, 7));
    } else if (name == "export") {
        p.drawPolyline(QPolygonF{{9, 6}, {5, 6}, {5, 20}, {19, 20}, {19, 16}});
        p.drawLine(QPointF(11, 14), QPointF(19, 6));
        p.drawPolyline(QPolygonF{{13, 5}, {19, 5}, {19, 11}});
    } else if (name == "undo" || name == "redo") {
        p.save();
        if (name == "redo") { p.translate(24, 0); p.scale(-1, 1); }
        QPainterPath path;
        path.moveTo(6, 10); path.lineTo(14, 10);
        path.cubicTo(22, 10, 22, 20, 14, 20); path.lineTo(9, 20);
        p.drawPath(path);
        p.drawPolyline(QPolygonF{{10, 6}, {6, 10}, {10, 14}});
        p.restore();
    } else if (name.startsWith("zoom-")) {
        p.drawEllipse(QPointF(10, 10), 6, 6);
        p.setPen(QPen(fg, 2.6, Qt::SolidLine, Qt::RoundCap));
        p.drawLine(QPointF(14.5, 14.5), QPointF(20, 20));
        p.setPen(pen);
        if (name == "zoom-in" || name == "zoom-out") p.drawLine(QPointF(7, 10), QPointF(13, 10));
        if (name == "zoom-in") p.drawLine(QPointF(10, 7), QPointF(10, 13));
        if (name == "zoom-fit") {
            p.setPen(QPen(fg, 1.4));
            p.drawRect(QRectF(7.5, 7.5, 5, 5));
        }
        if (name == "zoom-actual") {
            QFont f = p.font();
            f.setPixelSize(7); f.setBold(true);
            p.setFont(f);
            p.drawText(QRectF(4, 4, 12, 12), Qt::AlignCenter, "1:1");
        }
    } else if (name == "accept" || name == "reviewed") {
        QColor c = name == "accept" ? kGreen : fg;
        p.setPen(QPen(c, 2.6, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
        p.drawPolyline(QPolygonF{{5, 12.5}, {10, 17.5}, {19, 7}});
        if (name == "reviewed") {
            p.setPen(QPen(c, 1.6));
            p.drawRoundedRect(QRectF(2.5, 2.5, 19, 19), 3, 3);
        }
    } else if (name == "reject" || name == "cancel") {
        QColor c = name == "reject" ? kRed : fg;
        p.setPen(QPen(c, 2.6, Qt::SolidLine, Qt::RoundCap));
        p.drawLine(QPointF(6.5, 6.5), QPointF(17.5, 17.5));
        p.drawLine(QPointF(17.5, 6.5), QPointF(6.5, 17.5));
    } else if (name == "analyse" || name == "analyse-all") {
        p.setBrush(kGreen);
        p.setPen(Qt::NoPen);
        QPolygonF tri{{7, 5}, {19, 12}, {7, 19}};
        if (name == "analyse-all") tri = QPolygonF{{4, 5}, {13, 12}, {4, 19}};
        p.drawPolygon(tri);
        if (name == "analyse-all") p.drawPolygon(QPolygonF{{12, 5}, {21, 12}, {12, 19}});
    } else if (name == "tool-select") {
        QPainterPath path;
        path.moveTo(6, 3); path.lineTo(6, 19); path.lineTo(10, 15); path.lineTo(13, 21);
        path.lineTo(15.5, 20); path.lineTo(12.5, 14); path.lineTo(18, 14); path.closeSubpath();
        p.setBrush(fg.lighter(100));
        p.drawPath(path);
    } else if (name == "tool-box") {
        p.setPen(QPen(kObject, 2, Qt::DashLine));
        p.drawRect(QRectF(4, 6, 14, 12));
        p.setPen(QPen(fg, 2, Qt::SolidLine, Qt::RoundCap));
        p.drawLine(QPointF(18, 2), QPointF(18, 8));
        p.drawLine(QPointF(15, 5), QPointF(21, 5));
    } else if (name == "tool-link") {
        p.setPen(QPen(kHuman, 2));
        p.drawRect(QRectF(2.5, 3.5, 7, 9));
        p.setPen(QPen(kObject, 2));
        p.drawRect(QRectF(14.5, 12.5, 7, 8));
        p.setPen(QPen(fg, 2, Qt::SolidLine, Qt::RoundCap));
        p.drawLine(QPointF(8, 11), QPointF(14, 15));
        arrowHead(QPointF(15, 15.6), QPointF(0.83, 0.55));
    } else if (name == "heatmap") {
        QRadialGradient g(QPointF(12, 12), 10);
        g.setColorAt(0, QColor(252, 255, 164));
        g.setColorAt(0.4, QColor(249, 140, 10));
        g.setColorAt(0.8, QColor(136, 34, 106));
        g.setColorAt(1, QColor(0, 0, 4, 0));
        p.setPen(Qt::NoPen);
        p.setBrush(g);
        p.drawEllipse(QPointF(12, 12), 10, 10);
    } else if (name == "delete") {
        p.drawLine(QPointF(4, 7), QPointF(20, 7));
        p.drawLine(QPointF(10, 4), QPointF(14, 4));
        p.drawPolyline(QPolygonF{{6, 7}, {7, 20}, {17, 20}, {18, 7}});
        p.drawLine(QPointF(10, 10), QPointF(10, 17));
        p.drawLine(QPointF(14, 10), QPointF(14, 17));
    } else if (name == "help") {
        p.drawEllipse(QPointF(12, 12), 9, 9);
        QFont f = p.font();
        f.setPixelSize(13); f.setBold(true);
        p.setFont(f);
        p.drawText(QRectF(3, 3, 18, 18), Qt::AlignCenter, "?");
    } else if (name == "warning") {
        p.setBrush(QColor(255, 193, 7));
        p.setPen(QPen(QColor(120, 90, 0), 1.2, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
        p.drawPolygon(QPolygonF{{12, 3}, {22, 20}, {2, 20}});
        p.setPen(QPen(Qt::black, 2.2, Qt::SolidLine, Qt::RoundCap));
        p.drawLine(QPointF(12, 9), QPointF(12, 14));
        p.drawPoint(QPointF(12, 17.3));
    } else if (name == "state-none" || name == "state-predicted" || name == "state-reviewed") {
        QColor c = name == "state-none" ? QColor(150, 150, 150) : name == "state-predicted" ? kHuman : kGreen;
        p.setPen(QPen(c, 2));
        p.setBrush(name == "state-none" ? QBrush(Qt::NoBrush) : QBrush(c));
        p.drawEllipse(QPointF(12, 12), 6, 6);
        if (name == "state-reviewed") {
            p.setPen(QPen(Qt::white, 2, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
            p.drawPolyline(QPolygonF{{9, 12}, {11.3, 14.3}, {15, 9.8}});
        }
    } else if (name == "app") {
        p.setPen(Qt::NoPen);
        p.setBrush(QColor(33, 37, 41));
        p.drawRoundedRect(QRectF(1, 1, 22, 22), 5, 5);
        p.setBrush(Qt::NoBrush);
        p.setPen(QPen(kHuman, 2));
        p.drawRect(QRectF(4, 4, 7, 14));
        p.setPen(QPen(kObject, 2));
        p.drawRect(QRectF(14, 11, 6, 8));
        p.setPen(QPen(QColor(252, 255, 164), 1.8, Qt::SolidLine, Qt::RoundCap));
        p.drawLine(QPointF(7.5, 11), QPointF(17, 15));
        p.setBrush(QColor(252, 255, 164));
        p.drawEllipse(QPointF(7.5, 11), 1.6, 1.6);
        p.drawEllipse(QPointF(17, 15), 1.6, 1.6);
    }
}

const QSet<QString>& knownNames() {
    static const QSet<QString> names{"open", "open-folder", "save", "export", "undo", "redo", "zoom-in",
                                     "zoom-out", "zoom-fit", "zoom-actual", "accept", "reject", "analyse",
                                     "analyse-all", "cancel", "tool-select", "tool-box", "tool-link", "heatmap",
                                     "reviewed", "delete", "help", "app", "state-none", "state-predicted",
                                     "state-reviewed", "warning"};
    return names;
}

class PaintedIconEngine : public QIconEngine {
public:
    explicit PaintedIconEngine(QString name) : name_(std::move(name)) {}
    void paint(QPainter* painter, const QRect& rect, QIcon::Mode mode, QIcon::State) override {
        QColor fg = QGuiApplication::palette().color(QPalette::WindowText);
        if (mode == QIcon::Disabled) fg = QGuiApplication::palette().color(QPalette::Disabled, QPalette::WindowText);
        painter->save();
        painter->setRenderHint(QPainter::Antialiasing);
        painter->translate(rect.topLeft());
        const double s = std::min(rect.width(), rect.height()) / 24.0;
        painter->translate((rect.width() - 24 * s) / 2, (rect.height() - 24 * s) / 2);
        painter->scale(s, s);
        if (mode == QIcon::Disabled) painter->setOpacity(0.4);
        paintIcon(*painter, name_, fg);
        painter->restore();
    }
    QPixmap pixmap(const QSize& size, QIcon::Mode mode, QIcon::State state) override {
        return scaledPixmap(size, mode, state, 1.0);
    }
    QPixmap scaledPixmap(const QSize& size, QIcon::Mode mode, QIcon::State state, qreal scale) override {
        QPixmap pm(size * scale);
        pm.fill(Qt::transparent);
        {
            QPainter p(&pm);
            paint(&p, QRect(QPoint(0, 0), size * scale), mode, state);
        }
        pm.setDevicePixelRatio(scale);
        return pm;
    }
    QIconEngine* clone() const override { return new PaintedIconEngine(name_); }
    QString key() const override { return QStringLiteral("hoi-painted"); }

private:
    QString name_;
};

} // namespace

QIcon icon(const QString& name) {
    if (!knownNames().contains(name)) return {};
    return QIcon(new PaintedIconEngine(name));
}

QPixmap appPixmap(int size) {
    return icon("app").pixmap(size, size);
}

} // namespace hoi::ui
