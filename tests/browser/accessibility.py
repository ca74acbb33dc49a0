"""What the issue asks of every page, checked in the browser as rendered (CSS applied): every field has a
label a screen reader announces, and text has the contrast WCAG 2.1 AA asks (4.5:1; 3:1 for large text).

The contrast check walks up from each text element to the first opaque background, which is what these
pages use (no background images behind text); a semi-transparent layer is blended onto what is below it.
"""

from __future__ import annotations

_UNLABELLED = """
() => [...document.querySelectorAll('input, select, textarea')]
  .filter(e => e.type !== 'hidden' && e.offsetParent !== null)
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
               && !e.getAttribute('aria-labelledby') && !e.title)
  .map(e => `${e.tagName.toLowerCase()} name=${e.name || '?'}`)
"""

_LOW_CONTRAST = """
() => {
  const rgba = s => { const m = s.match(/[\\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const blend = (top, bottom) => [0, 1, 2].map(i => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
  const background = el => {
    const layers = [];
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const bg = rgba(getComputedStyle(node).backgroundColor);
      if (bg[3] > 0) layers.push(bg);
      if (bg[3] >= 1) break;
    }
    let colour = [255, 255, 255, 1];
    for (const layer of layers.reverse()) colour = blend(layer, colour);
    return colour;
  };
  const problems = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!walker.currentNode.textContent.trim() || seen.has(el)) continue;
    seen.add(el);
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (style.visibility === 'hidden' || style.display === 'none' || box.width === 0 || box.height === 0) continue;
    if (el.closest('[aria-hidden="true"], .visually-hidden, .sr-only')) continue;
    const fg = blend(rgba(style.color), background(el));
    const bg = background(el);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) {
      problems.push(`${el.tagName.toLowerCase()}.${el.className || '-'} "${el.textContent.trim().slice(0, 30)}" `
                    + `${ratio.toFixed(2)}:1`);
    }
  }
  return problems;
}
"""


def accessibility_problems(page) -> list[str]:
    """Fields without a label and text below the AA contrast on the page as it is now."""
    unlabelled = [f"campo sem rótulo: {field}" for field in page.evaluate(_UNLABELLED)]
    contrast = [f"contraste baixo: {text}" for text in page.evaluate(_LOW_CONTRAST)]
    return unlabelled + contrast
