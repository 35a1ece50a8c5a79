// redraw.js — test support: an MNIST digit redrawn on a larger RGBA canvas, the way a person's
// drawing arrives at preprocessDigit (scaled, off centre, maybe dark on light).

/** Draws a 28×28 grey digit onto a W×H RGBA canvas, scaled by k (bilinear) at (ox, oy). */
export function redraw(digit, k, W, H, ox, oy, { darkOnLight = false } = {}) {
  const data = new Uint8ClampedArray(W * H * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const sx = (x - ox + 0.5) / k - 0.5;
      const sy = (y - oy + 0.5) / k - 0.5;
      let v = 0;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      for (let dy = 0; dy < 2; dy++) {
        for (let dx = 0; dx < 2; dx++) {
          const xx = x0 + dx;
          const yy = y0 + dy;
          if (xx < 0 || yy < 0 || xx >= 28 || yy >= 28) continue;
          v += digit[yy * 28 + xx] * (dx ? sx - x0 : 1 - (sx - x0)) * (dy ? sy - y0 : 1 - (sy - y0));
        }
      }
      const c = darkOnLight ? 255 - v : v;
      const at = (y * W + x) * 4;
      data[at] = data[at + 1] = data[at + 2] = c;
      data[at + 3] = 255;
    }
  }
  return { data, width: W, height: H };
}

