import type { Page } from 'playwright-core';

/**
 * WCAG AA contrast measured on the rendered page, not guessed from CSS: the text is made
 * transparent, the page is captured, and each text box's colour (alpha-composited) is compared
 * with every background pixel under it. Gradients, glass and blur are thus accounted for, which
 * axe-core leaves "incomplete". Disabled controls are exempt (WCAG 1.4.3).
 */
export interface ContrastFailure {
  selector: string;
  text: string;
  ratio: number;
  required: number;
}

interface TextBox {
  selector: string;
  text: string;
  color: [number, number, number, number];
  rects: { x: number; y: number; width: number; height: number }[];
  large: boolean;
}

export async function measureContrast(
  page: Page,
): Promise<{ checked: number; moved: number; failures: ContrastFailure[] }> {
  // Transpilers that keep function names (esbuild keepNames, used by tsx) call a `__name` helper
  // that does not exist inside the page.
  await page.evaluate('globalThis.__name ??= (fn) => fn');
  await page.evaluate(() => window.scrollTo(0, 0));
  // 1. Find the text elements and note their colour while it is still visible.
  await page.evaluate(() => {
    const parse = (c: string): [number, number, number, number] => {
      const m = c.match(/rgba?\(([^)]+)\)/);
      const parts = (m?.[1] ?? '0,0,0')
        .split(/[ ,/]+/)
        .filter(Boolean)
        .map(Number);
      return [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0, parts[3] ?? 1];
    };
    const found: {
      el: Element;
      color: [number, number, number, number];
      large: boolean;
      look: string;
    }[] = [];
    // What decides a text's colours: its own colour and the classes of it and its ancestors
    // (a state class, e.g. a node turning down, changes both the text and what is behind it).
    const look = (el: Element) => {
      const style = getComputedStyle(el);
      let classes = '';
      for (let e: Element | null = el; e; e = e.parentElement) classes += `${e.getAttribute('class') ?? ''}|`;
      return `${el instanceof SVGElement ? style.fill : style.color} ${classes}`;
    };
    (window as unknown as { __contrastLook: typeof look }).__contrastLook = look;
    for (const el of Array.from(document.querySelectorAll('body *'))) {
      const hasText = Array.from(el.childNodes).some(
        (n) => n.nodeType === Node.TEXT_NODE && n.textContent?.trim(),
      );
      if (!hasText || el.closest('[disabled], [aria-hidden=true], .visually-hidden, option, datalist'))
        continue;
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden' || style.display === 'none' || Number(style.opacity) === 0) continue;
      const size = Number.parseFloat(style.fontSize);
      const bold = Number(style.fontWeight) >= 700;
      found.push({
        el,
        color: parse(el instanceof SVGElement ? style.fill : style.color),
        large: size >= 24 || (bold && size >= 18.66),
        look: look(el),
      });
    }
    (window as unknown as { __contrast: typeof found }).__contrast = found;
  });

  // 2. Hide every glyph (layout unchanged) and capture what is behind the text.
  const hide = await page.addStyleTag({
    content:
      '*{color:transparent!important;-webkit-text-fill-color:transparent!important;text-shadow:none!important;caret-color:transparent!important}' +
      'svg text,svg tspan{fill:transparent!important;stroke:transparent!important}*{transition:none!important;animation:none!important}',
  });
  const textBoxes = () =>
    page.evaluate(() => {
      const describe = (el: Element) => {
        const id = el.id ? `#${el.id}` : '';
        const cls =
          typeof el.className === 'string' && el.className
            ? `.${el.className.trim().split(/\s+/).join('.')}`
            : '';
        return `${el.tagName.toLowerCase()}${id}${cls}`;
      };
      const found = (
        window as unknown as { __contrast: { el: Element; color: TextBox['color']; large: boolean }[] }
      ).__contrast;
      return found.map(({ el, color, large }): TextBox | null => {
        if (!el.isConnected) return null;
        const texts = Array.from(el.childNodes).filter(
          (n) => n.nodeType === Node.TEXT_NODE && n.textContent?.trim(),
        );
        // Only the text's own line boxes: an icon, a badge or a dot beside it is not its background.
        const rects: TextBox['rects'] = [];
        for (const node of texts) {
          const range = document.createRange();
          range.selectNodeContents(node);
          for (const box of Array.from(range.getClientRects())) {
            if (box.width < 2 || box.height < 2) continue;
            rects.push({
              x: box.x + window.scrollX,
              y: box.y + window.scrollY,
              width: box.width,
              height: box.height,
            });
          }
        }
        const text = texts
          .map((n) => n.textContent ?? '')
          .join('')
          .trim()
          .slice(0, 40);
        return rects.length ? { selector: describe(el), text, color, rects, large } : null;
      });
    });
  // A countdown's digits change, its place does not: only positions are compared.
  const place = (box: TextBox | null | undefined) =>
    box
      ? JSON.stringify(box.rects.map((r) => [Math.round(r.x), Math.round(r.y), Math.round(r.height)]))
      : null;
  // A list that grows above shifts everything below it: capture again until the page held still.
  let before: (TextBox | null)[] = [];
  let after: (TextBox | null)[] = [];
  let png: Buffer = Buffer.alloc(0);
  for (let attempt = 0; attempt < 5; attempt += 1) {
    before = await textBoxes();
    png = await page.screenshot({ fullPage: true, animations: 'disabled' });
    after = await textBoxes();
    const unstable = before.filter((box, i) => box !== null && place(box) !== place(after[i])).length;
    if (unstable < before.length / 20) break;
  }
  await hide.evaluate((el) => (el as Element).remove());
  // The colour noted in step 1 must still be the text's colour: data that arrived meanwhile may
  // have changed an element's state (and the colours under it) after it was noted.
  const restyled = await page.evaluate(() => {
    const w = window as unknown as {
      __contrast: { el: Element; look: string }[];
      __contrastLook: (el: Element) => string;
    };
    return w.__contrast.map(({ el, look }) => el.isConnected && w.__contrastLook(el) !== look);
  });

  // 3. Measure only text that did not move or change while the page was captured.
  const boxes = before.filter(
    (box, i): box is TextBox => box !== null && place(box) === place(after[i]) && !restyled[i],
  );
  const moved = before.filter((b) => b !== null).length - boxes.length;

  const failures = await page.evaluate(
    async ({ boxes, dataUrl }) => {
      const img = new Image();
      img.src = dataUrl;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.width;
      canvas.height = img.height;
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const scale = img.width / document.documentElement.scrollWidth;
      const lin = (v: number) => {
        const c = v / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      };
      const lum = (r: number, g: number, b: number) => 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
      const failures: { selector: string; text: string; ratio: number; required: number }[] = [];
      for (const box of boxes) {
        const [tr, tg, tb, ta] = box.color;
        const ratios: number[] = [];
        for (const rect of box.rects) {
          const x0 = Math.max(0, Math.floor(rect.x * scale));
          const y0 = Math.max(0, Math.floor(rect.y * scale));
          const w = Math.min(canvas.width - x0, Math.ceil(rect.width * scale));
          const h = Math.min(canvas.height - y0, Math.ceil(rect.height * scale));
          if (w <= 0 || h <= 0) continue;
          const data = ctx.getImageData(x0, y0, w, h).data;
          for (let i = 0; i < data.length; i += 4 * 3) {
            const br = data[i]!;
            const bg = data[i + 1]!;
            const bb = data[i + 2]!;
            const lt = lum(tr * ta + br * (1 - ta), tg * ta + bg * (1 - ta), tb * ta + bb * (1 - ta));
            const lb = lum(br, bg, bb);
            ratios.push((Math.max(lt, lb) + 0.05) / (Math.min(lt, lb) + 0.05));
          }
        }
        if (ratios.length === 0) continue;
        ratios.sort((a, b) => a - b);
        // The 2nd percentile: the worst background under the text, ignoring anti-aliased edge pixels.
        const ratio = ratios[Math.floor(ratios.length * 0.02)] ?? 21;
        const required = box.large ? 3 : 4.5;
        if (ratio < required)
          failures.push({
            selector: box.selector,
            text: box.text,
            ratio: Math.round(ratio * 100) / 100,
            required,
          });
      }
      return failures;
    },
    { boxes, dataUrl: `data:image/png;base64,${png.toString('base64')}` },
  );
  return { checked: boxes.length, moved, failures };
}
