// A small line chart on <canvas>: the values of the last minutes against time, with the y axis
// scaled to the largest value shown. Gaps (null values) break the line.

const padding = { left: 46, right: 8, top: 8, bottom: 20 };

function niceMaximum(value) {
  if (!(value > 0)) {
    return 1;
  }
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (value <= step * magnitude) {
      return step * magnitude;
    }
  }
  return 10 * magnitude;
}

function formatNumber(value) {
  if (value >= 1e6) {
    return `${(value / 1e6).toFixed(1)}M`;
  }
  if (value >= 1e4) {
    return `${(value / 1e3).toFixed(0)}k`;
  }
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

// Sizes the canvas' backing store to its displayed size, so lines are sharp on any screen.
function prepare(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
  const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  const context = canvas.getContext('2d');
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  return { context, width: width / ratio, height: height / ratio };
}

// points: [{ time: ms, value: number | null }], oldest first. windowMs: the time span shown,
// ending at the newest point.
export function drawLineChart(canvas, points, { windowMs, color }) {
  const { context, width, height } = prepare(canvas);
  const style = getComputedStyle(canvas);
  const textColor = style.color || '#888';
  context.clearRect(0, 0, width, height);

  const end = points.length > 0 ? points[points.length - 1].time : Date.now();
  const start = end - windowMs;
  const shown = points.filter((point) => point.time >= start);
  const largest = shown.reduce((max, point) => (point.value != null && point.value > max ? point.value : max), 0);
  const top = niceMaximum(largest);
  const plotWidth = width - padding.left - padding.right;
  const plotHeight = height - padding.top - padding.bottom;
  const x = (time) => padding.left + ((time - start) / windowMs) * plotWidth;
  const y = (value) => padding.top + plotHeight - (value / top) * plotHeight;

  context.font = '11px system-ui, sans-serif';
  context.fillStyle = textColor;
  context.strokeStyle = 'rgba(128, 128, 128, 0.3)';
  context.lineWidth = 1;
  context.textBaseline = 'middle';
  context.textAlign = 'right';
  for (const fraction of [0, 0.5, 1]) {
    const value = top * fraction;
    const at = Math.round(y(value)) + 0.5;
    context.beginPath();
    context.moveTo(padding.left, at);
    context.lineTo(width - padding.right, at);
    context.stroke();
    context.fillText(formatNumber(value), padding.left - 4, at);
  }
  context.textBaseline = 'top';
  context.textAlign = 'left';
  context.fillText(`-${Math.round(windowMs / 60000)}m`, padding.left, height - padding.bottom + 4);
  context.textAlign = 'right';
  context.fillText('now', width - padding.right, height - padding.bottom + 4);

  context.strokeStyle = color;
  context.lineWidth = 2;
  context.lineJoin = 'round';
  context.beginPath();
  let drawing = false;
  for (const point of shown) {
    if (point.value == null) {
      drawing = false;
      continue;
    }
    if (drawing) {
      context.lineTo(x(point.time), y(point.value));
    } else {
      context.moveTo(x(point.time), y(point.value));
      drawing = true;
    }
  }
  context.stroke();
}
