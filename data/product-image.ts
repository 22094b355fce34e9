/**
 * Product pictures the storefront serves itself (no external hosts): a small
 * SVG per product, coloured by category, with the product's initials.
 */
import type { CatalogProduct } from './catalog.ts';

const palette: Record<string, [background: string, ink: string]> = {
  Christmas: ['#f6d6d3', '#9b2c22'],
  'Candles & Lights': ['#fbeec8', '#8a5a00'],
  'Kitchen & Dining': ['#d9ecf2', '#1f5f74'],
  'Bags & Storage': ['#e4e0f5', '#4b3f8f'],
  'Stationery & Cards': ['#f3e3ef', '#83336f'],
  'Toys & Games': ['#dff2dc', '#2f6b27'],
  'Party & Gifts': ['#fde2cf', '#a04a12'],
  'Garden & Outdoor': ['#e2f0d6', '#456b1f'],
  'Fashion & Accessories': ['#f5dfe6', '#8c2f4f'],
  'Home Decor': ['#efe6da', '#6b4f2f'],
};
const fallbackColours: [string, string] = ['#e8e8e8', '#444444'];

const escapeXml = (text: string): string =>
  text.replace(/[<>&"']/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[ch]!);

/** The SVG picture of a product (400×400, scales to any box). */
export function productImageSvg(product: Pick<CatalogProduct, 'id' | 'title' | 'category'>): string {
  const [background, ink] = palette[product.category] ?? fallbackColours;
  const words = product.title.split(/\s+/).filter((w) => /^[A-Za-z]/.test(w));
  const initials = escapeXml(
    words
      .slice(0, 2)
      .map((w) => w[0]!.toUpperCase())
      .join('') || '?',
  );
  const label = escapeXml(product.category.toUpperCase());
  return [
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 400" width="400" height="400" role="img" ' +
      `aria-label="${escapeXml(product.title)}">`,
    `<rect width="400" height="400" fill="${background}"/>`,
    '<circle cx="200" cy="180" r="110" fill="#ffffff" fill-opacity="0.55"/>',
    '<text x="200" y="215" text-anchor="middle" font-family="Georgia, \'Times New Roman\', serif" font-size="104" ' +
      `fill="${ink}">${initials}</text>`,
    '<text x="200" y="350" text-anchor="middle" font-family="Arial, Helvetica, sans-serif" font-size="20" ' +
      `letter-spacing="3" fill="${ink}" fill-opacity="0.8">${label}</text>`,
    '</svg>',
  ].join('\n');
}
