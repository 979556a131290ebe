/**
 * Is the glass really there? Two checks on a rendered page: every `.glass` element's computed
 * `backdrop-filter` (what the browser applies, after the built CSS went through the minifier),
 * and the pixels: high-contrast stripes are put behind a panel and a row of its padding is
 * sampled; a real blur smooths the stripes away, no blur lets them show through the tint.
 */
import type { Page } from 'playwright-core';

export interface GlassStyle {
  selector: string;
  backdropFilter: string;
}

/** Each `.glass` element on the page with its computed backdrop-filter. */
export function glassStyles(page: Page): Promise<GlassStyle[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('.glass')].map((el) => ({
      selector: `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${[...el.classList].join('.')}`,
      backdropFilter: getComputedStyle(el).backdropFilter,
    })),
  );
}

/** 6 px black and white stripes on the page's backdrop layer, under every panel. */
const STRIPES = '.orbs{background:repeating-linear-gradient(90deg,#000 0 6px,#fff 6px 12px)!important}';
const NO_BLUR = '.glass{backdrop-filter:none!important;-webkit-backdrop-filter:none!important}';

/** Standard deviation (0-255) of the luminance of a PNG's pixels, decoded by the page. */
async function contrastSpread(page: Page, png: Buffer): Promise<number> {
  return page.evaluate(async (base64) => {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    // A Blob, not a data: URL, so the API's Content-Security-Policy has nothing to refuse.
    const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(bitmap, 0, 0);
    const { data } = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
    const luma: number[] = [];
    for (let i = 0; i < data.length; i += 4)
      luma.push(0.2126 * data[i]! + 0.7152 * data[i + 1]! + 0.0722 * data[i + 2]!);
    const mean = luma.reduce((a, b) => a + b, 0) / luma.length;
    return Math.sqrt(luma.reduce((a, b) => a + (b - mean) ** 2, 0) / luma.length);
  }, png.toString('base64'));
}

export interface BlurSample {
  /** Luminance spread of the panel's padding with the page's own CSS. */
  withPageCss: number;
  /** The same row with backdrop-filter switched off: the stripes seen through the tint alone. */
  withoutBlur: number;
}

/**
 * Samples a text-free strip of a panel's top padding over the stripes, once as built and once
 * with the blur switched off. Scrolls the panel into view and leaves the page as it found it.
 */
export async function sampleBlur(page: Page, panelSelector: string): Promise<BlurSample> {
  const panel = page.locator(panelSelector);
  await panel.scrollIntoViewIfNeeded();
  const box = await panel.boundingBox();
  if (!box) throw new Error(`${panelSelector} is not rendered`);
  // Inside the border radius and the 1 px inset highlight, above the heading (17 px of padding).
  const clip = { x: box.x + 24, y: box.y + 5, width: Math.min(240, box.width - 48), height: 8 };
  const stripes = await page.addStyleTag({ content: STRIPES });
  try {
    const shoot = async () => {
      // Two frames, so the screenshot shows the style just added, blurred.
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      return contrastSpread(page, await page.screenshot({ clip }));
    };
    const withPageCss = await shoot();
    const noBlur = await page.addStyleTag({ content: NO_BLUR });
    const withoutBlur = await shoot();
    await noBlur.evaluate((el) => (el as Element).remove());
    return { withPageCss, withoutBlur };
  } finally {
    await stripes.evaluate((el) => (el as Element).remove());
  }
}
