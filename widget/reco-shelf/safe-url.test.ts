import { expect } from '@open-wc/testing';
import { safeSrcset, safeUrl } from './safe-url.ts';
import { formatPrice } from './price-format.ts';

describe('safeUrl', () => {
  const base = 'https://shop.example/category/page.html';
  it('resolves relative and absolute http(s) URLs against the storefront page', () => {
    expect(safeUrl('/product/85123A', base)).to.equal('https://shop.example/product/85123A');
    expect(safeUrl('85123A', base)).to.equal('https://shop.example/category/85123A');
    expect(safeUrl('//cdn.example/a.png', base)).to.equal('https://cdn.example/a.png');
    expect(safeUrl('http://other.example/x', base)).to.equal('http://other.example/x');
  });
  it('refuses javascript:, data:, other schemes and non-strings', () => {
    for (const bad of [
      'javascript:alert(1)',
      ' JAVASCRIPT:alert(1)',
      'java\tscript:alert(1)',
      'data:text/html,x',
      'vbscript:x',
      'file:///etc/passwd',
      '',
      42,
      null,
    ]) {
      expect(safeUrl(bad, base), String(bad)).to.equal(undefined);
    }
  });
  it('keeps a srcset only when every candidate is safe', () => {
    expect(safeSrcset('/a.png 1x, /b.png 2x', base)).to.equal(
      'https://shop.example/a.png 1x, https://shop.example/b.png 2x',
    );
    expect(safeSrcset('/a.png 1x, javascript:x 2x', base)).to.equal(undefined);
  });
});

describe('formatPrice', () => {
  it('formats with Intl and survives bad locales, currencies and values', () => {
    expect(formatPrice({ value: 2.55, currency: 'GBP' }, 'en-GB', undefined)).to.equal('£2.55');
    expect(formatPrice({ value: 2.5, currency: 'NOT-A-CODE' }, 'en-GB', undefined)).to.equal('2.50');
    expect(formatPrice({ value: Number.NaN, currency: 'GBP' }, 'en-GB', undefined)).to.equal('');
    expect(formatPrice(null, 'en-GB', 'GBP')).to.equal('');
  });
});
