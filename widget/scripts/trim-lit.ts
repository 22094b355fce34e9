/**
 * A build plugin that cuts, from Lit's production build, code the shelf never runs: each cut is an
 * exact piece of Lit's published (minified) file and what replaces it. The shelf's templates use
 * only `html` with attribute, `@event` (function) and child bindings and no directives; the
 * element declares `static properties` (strings, numbers, its own converter) without decorators,
 * `reflect` or `useDefault`, has one stylesheet made by `unsafeCSS`, and uses no reactive
 * controllers. So these go: `svg`/`mathml` templates, bindings inside comments and inside
 * `<script>`/`<style>`/`<textarea>`/`<title>`, `.prop`, `?bool` and element bindings, listener
 * objects, directives and what only they read (connection state, parent and end nodes), compiled
 * (SSR) templates, `creationScope`, initializers (decorators), controllers, attribute
 * reflection, `useDefault`, wrapped accessors, decorator metadata, Boolean/Object/Array
 * attribute conversion, style arrays and CSSStyleSheet styles, the `scheduleUpdate` and
 * `firstUpdated` hooks, two error messages, and the hooks for the old ShadyDOM polyfills (which a
 * page loads on purpose, for browsers without shadow DOM: the shelf needs shadow DOM anyway).
 *
 * What stays: the globals Lit shares between copies on a page (`litHtmlVersions`, …,
 * `litPropertyMetadata`), the trusted-types policy and the check that a template's strings are a
 * real template literal (a security hardening), and the `<style>` fallback for browsers without
 * adoptable stylesheets.
 *
 * Lit's versions are pinned (package-lock.json); a cut that no longer matches fails the build,
 * so an upgrade of Lit re-checks every cut. The development build (`reco-shelf.dev.js`) and the
 * browser tests run Lit whole; the tests of the built bundle and the end-to-end suite run the cut one.
 * A shelf change that starts using a cut feature (a directive, a `?attr` binding, `reflect`) must
 * take its cut out of this list.
 */
import type { Plugin } from 'vite';

/**
 * Per file of Lit's production build (path under node_modules): [exact text, replacement, how many
 * times the text occurs (default once)].
 */
const CUTS: Record<string, [string, string, number?][]> = {
  'lit-html/lit-html.js': [
    // svg`` and mathml`` templates (result types 2 and 3).
    ['l=2===i?"<svg>":3===i?"<math>":"",', 'l="",'],
    ['+(2===i?"</svg>":3===i?"</math>":"")', ''],
    [
      'if(this.el=S.createElement(f,e),P.currentNode=this.el.content,2===i||3===i){' +
        'const t=this.el.content.firstChild;t.replaceWith(...t.childNodes)}',
      'this.el=S.createElement(f,e),P.currentNode=this.el.content;',
    ],
    // Bindings inside raw-text elements (script, style, textarea, title).
    ['y=/^(?:script|style|textarea|title)$/i,', ''],
    ['(y.test(u[2])&&(n=RegExp("</"+u[2],"g")),c=p)', 'c=p'],
    [
      'if(y.test(r.tagName)){const t=r.textContent.split(o),i=t.length-1;if(i>0){r.textContent=s?s.emptyScript:"";' +
        'for(let s=0;s<i;s++)r.append(t[s],c()),P.nextNode(),d.push({type:2,index:++l});r.append(t[i],c())}}',
      '',
    ],
    // Property (.x), boolean attribute (?x) and element bindings.
    ['ctor:"."===e[1]?I:"?"===e[1]?L:"@"===e[1]?z:H', 'ctor:"@"===e[1]?z:H'],
    ['else t.startsWith(o)&&(d.push({type:6,index:l}),r.removeAttribute(t))', ''],
    [
      '1===r.type?i=new r.ctor(h,r.name,r.strings,this,t):6===r.type&&(i=new Z(h,this,t))',
      '1===r.type&&(i=new r.ctor(h,r.name,r.strings,this,t))',
    ],
    [
      'class I extends H{constructor(){super(...arguments),this.type=3}j(t){this.element[this.name]=t===A?void 0:t}}' +
        'class L extends H{constructor(){super(...arguments),this.type=4}j(t){this.element.toggleAttribute(this.name,' +
        '!!t&&t!==A)}}',
      '',
    ],
    [
      'class Z{constructor(t,i,s){this.element=t,this.type=6,this._$AN=void 0,this._$AM=i,this.options=s}get _$AU(){' +
        'return this._$AM._$AU}_$AI(t){M(this,t)}}',
      '',
    ],
    // Lit's private exports: directive-helpers reads only the child part class.
    [
      'const j={M:h,P:o,A:n,C:1,L:N,R,D:d,V:M,I:k,H,N:L,U:z,B:I,F:Z},B=t.litHtmlPolyfillSupport;B?.(S,k),',
      'const j={I:k};',
    ],
    // Compiled (SSR) templates, and rendering into another document.
    [
      'e="number"==typeof s?this._$AC(t):(void 0===s.el&&(s.el=S.createElement(V(s.h,s.h[0]),this.options)),s)',
      'e=this._$AC(t)',
    ],
    ['(t?.creationScope??l).importNode', 'l.importNode'],
    // The connected state, read only by async directives.
    ['setConnected(t){void 0===this._$AM&&(this._$Cv=t,this._$AP?.(t))}', ''],
    // Directives (the shelf uses none): a value is never resolved.
    [
      'function M(t,i,s=t,e){if(i===E)return i;let h=void 0!==e?s._$Co?.[e]:s._$Cl;const o=a(i)?void 0:' +
        'i._$litDirective$;return h?.constructor!==o&&(h?._$AO?.(!1),void 0===o?h=void 0:(h=new o(t),h._$AT(t,s,e)),' +
        'void 0!==e?(s._$Co??=[])[e]=h:s._$Cl=h),void 0!==h&&(i=M(t,h._$AS(t,i.values),h,e)),i}',
      '',
    ],
    ['t=M(this,t,i),a(t)?', 'a(t)?'],
    ['if(void 0===h)t=M(this,t,i,0),o=', 'if(void 0===h)o='],
    ['r=M(this,e[s+n],i,n),', 'r=e[s+n],'],
    ['if((t=M(this,t,i,0)??A)===E)', 'if((t??=A)===E)'],
    // What only directives read: parts' connection state, disconnectables, the parent and end nodes.
    ['this._$AV=[],this._$AN=void 0,', 'this._$AV=[],'],
    ['this.type=2,this._$AH=A,this._$AN=void 0,', 'this.type=2,this._$AH=A,'],
    ['this.type=1,this._$AH=A,this._$AN=void 0,', 'this.type=1,this._$AH=A,'],
    ['get parentNode(){return this._$AM.parentNode}get _$AU(){return this._$AM._$AU}', ''],
    ['get _$AU(){return this._$AM?._$AU??this._$Cv}', ''],
    [',this._$Cv=e?.isConnected??!0', ''],
    [
      'get parentNode(){let t=this._$AA.parentNode;const i=this._$AM;return void 0!==i&&11===t?.nodeType&&' +
        '(t=i.parentNode),t}get startNode(){return this._$AA}get endNode(){return this._$AB}',
      '',
    ],
    ['_$AR(t=this._$AA.nextSibling,s){for(this._$AP?.(!1,!0,s);', '_$AR(t=this._$AA.nextSibling){for(;'],
    ['get tagName(){return this.element.tagName}get _$AU(){return this._$AM._$AU}', ''],
    // Bindings inside comments, and listener objects (the shelf's listeners are functions).
    [
      'else if(8===r.nodeType)if(r.data===n)d.push({type:2,index:l});else{let t=-1;for(;-1!==(t=r.data.indexOf(o,' +
        't+1));)d.push({type:7,index:l}),t+=o.length-1}',
      'else 8===r.nodeType&&r.data===n&&d.push({type:2,index:l});',
    ],
    [
      '"function"==typeof this._$AH?this._$AH.call(this.options?.host??this.element,t):this._$AH.handleEvent(t)',
      'this._$AH.call(this.options?.host??this.element,t)',
    ],
    // ShadyDOM's wrap() (identity without the polyfill), and part types, which only directives read.
    ['i=t=>t,', ''],
    ['const s=i(t).nextSibling;i(t).remove(),t=s', 'const s=t.nextSibling;t.remove(),t=s'],
    ['this.type=2,', ''],
    ['this.type=1,', ''],
    ['constructor(t,i,s,e,h){super(t,i,s,e,h),this.type=5}', ''],
    // The check stays; its message (for an attack, not a mistake) goes.
    ['throw Error("invalid template strings array")', 'throw Error()'],
    // Arrays are the only iterables the shelf renders; its listeners never change options.
    ['d=t=>u(t)||"function"==typeof t?.[Symbol.iterator]', 'd=u'],
    [
      'e=t===A&&s!==A||t.capture!==s.capture||t.once!==s.once||t.passive!==s.passive,h=t!==A&&(s===A||e)',
      'e=t===A&&s!==A,h=t!==A&&s===A',
    ],
  ],
  'lit-element/lit-element.js': [
    ['this.hasUpdated||(this.renderOptions.isConnected=this.isConnected),', ''],
    [
      'connectedCallback(){super.connectedCallback(),this._$Do?.setConnected(!0)}disconnectedCallback(){' +
        'super.disconnectedCallback(),this._$Do?.setConnected(!1)}',
      '',
    ],
    [',s.litElementHydrateSupport?.({LitElement:i});const o=s.litElementPolyfillSupport;o?.({LitElement:i});', ';'],
    // The shelf has its own render().
    ['render(){return r}', ''],
  ],
  '@lit/reactive-element/reactive-element.js': [
    // Initializers (decorators) and reactive controllers.
    ['static addInitializer(t){this._$Ei(),(this.l??=[]).push(t)}', ''],
    ['void 0!==t.l&&(this.l=[...t.l]),', ''],
    [',this.constructor.l?.forEach(t=>t(this))', ''],
    [
      'addController(t){(this._$EO??=new Set).add(t),void 0!==this.renderRoot&&this.isConnected&&t.hostConnected?.()}' +
        'removeController(t){this._$EO?.delete(t)}',
      '',
    ],
    [',this._$EO?.forEach(t=>t.hostConnected?.())', ''],
    ['disconnectedCallback(){this._$EO?.forEach(t=>t.hostDisconnected?.())}', 'disconnectedCallback(){}'],
    [',this._$EO?.forEach(t=>t.hostUpdate?.())', ''],
    ['this._$EO?.forEach(t=>t.hostUpdated?.()),', ''],
    // Attribute reflection, useDefault and wrapped accessors.
    [
      'toAttribute(t,s){switch(s){case Boolean:t=t?l:null;break;case Object:case Array:' +
        't=null==t?t:JSON.stringify(t)}return t},',
      '',
    ],
    ['c=a.trustedTypes,l=c?c.emptyScript:"",p=a.reactiveElementPolyfillSupport,', ''],
    [
      '_$ET(t,s){const i=this.constructor.elementProperties.get(t),e=this.constructor._$Eu(t,i);if(void 0!==e&&!0===' +
        'i.reflect){const h=(void 0!==i.converter?.toAttribute?i.converter:u).toAttribute(s,i.type);' +
        'this._$Em=t,null==h?this.removeAttribute(e):this.setAttribute(e,h),this._$Em=null}}',
      '',
    ],
    ['update(t){this._$Eq&&=this._$Eq.forEach(t=>this._$ET(t,this[t])),this._$EM()}', 'update(t){this._$EM()}'],
    ['this[e]=r??this._$Ej?.get(e)??r', 'this[e]=r'],
    ['||i.useDefault&&i.reflect&&h===this._$Ej?.get(t)&&!this.hasAttribute(r._$Eu(t,i))', ''],
    [
      'requestUpdate(t,s,i,e=!1,h){if(void 0!==t){const r=this.constructor;if(!1===e&&(h=this[t]),',
      'requestUpdate(t,s,i){if(void 0!==t){const r=this.constructor,h=this[t];if(',
    ],
    [
      'C(t,s,{useDefault:i,reflect:e,wrapped:h},r){i&&!(this._$Ej??=new Map).has(t)&&(this._$Ej.set(t,r??s??this[t]),' +
        '!0!==h||void 0!==r)||(this._$AL.has(t)||(this.hasUpdated||i||(s=void 0),this._$AL.set(t,s)),!0===e&&' +
        'this._$Em!==t&&(this._$Eq??=new Set).add(t))}',
      'C(t,s){this._$AL.has(t)||(this.hasUpdated||(s=void 0),this._$AL.set(t,s))}',
    ],
    ['this.prototype.hasOwnProperty(t)&&((s=Object.create(s)).wrapped=!0),', ''],
    [
      'const t=this.constructor.elementProperties;if(t.size>0)for(const[s,i]of t){const{wrapped:t}=i,e=this[s];' +
        '!0!==t||this._$AL.has(s)||void 0===e||this.C(s,void 0,i,e)}',
      '',
    ],
    [
      'const{get:e,set:r}=h(this.prototype,t)??{get(){return this[s]},set(t){this[s]=t}};return{get:e,set(s){' +
        'const h=e?.call(this);r?.call(this,s),this.requestUpdate(t,h,i)},configurable:!0,enumerable:!0}',
      'return{get(){return this[s]},set(e){const h=this[s];this[s]=e,this.requestUpdate(t,h,i)},configurable:!0,' +
        'enumerable:!0}',
    ],
    // Decorator metadata, and Symbol.metadata's polyfill (the shared litPropertyMetadata registry stays).
    ['Symbol.metadata??=Symbol("metadata"),', ''],
    [
      'const t=this[Symbol.metadata];if(null!==t){const s=litPropertyMetadata.get(t);if(void 0!==s)for(const[t,i]' +
        'of s)this.elementProperties.set(t,i)}',
      '',
    ],
    ['p?.({ReactiveElement:y}),', ''],
    // Closure Compiler's property-renaming marker, an identity function here.
    [',d=(t,s)=>t,', ','],
    ['d("elementProperties")', '"elementProperties"', 2],
    ['d("finalized")', '"finalized"', 2],
    ['d("properties")', '"properties"'],
    // Attribute values: strings, numbers and the shelf's own converter (no Boolean, Object, Array).
    [
      'switch(s){case Boolean:i=null!==t;break;case Number:i=null===t?null:Number(t);break;case Object:case Array:' +
        'try{i=JSON.parse(t)}catch(t){i=null}}',
      's===Number&&(i=null===t?null:Number(t));',
    ],
    // One stylesheet; no scheduleUpdate or firstUpdated override.
    [
      'static finalizeStyles(s){const i=[];if(Array.isArray(s)){const e=new Set(s.flat(1/0).reverse());for(const s ' +
        'of e)i.unshift(t(s))}else void 0!==s&&i.push(t(s));return i}',
      'static finalizeStyles(s){return[t(s)]}',
    ],
    [
      'const t=this.scheduleUpdate();return null!=t&&await t,!this.isUpdatePending}scheduleUpdate(){return ' +
        'this.performUpdate()}',
      'return this.performUpdate(),!this.isUpdatePending}',
    ],
    ['this.hasUpdated||(this.hasUpdated=!0,this.firstUpdated(t)),', 'this.hasUpdated=!0,'],
    ['firstUpdated(t){}', ''],
    // No shouldUpdate or getUpdateComplete override, no symbol-named or accessor-less properties.
    [
      't=this.shouldUpdate(s),t?(this.willUpdate(s),this.update(s)):this._$EM()',
      't=!0,this.willUpdate(s),this.update(s)',
    ],
    ['shouldUpdate(t){return!0}', ''],
    [
      'get updateComplete(){return this.getUpdateComplete()}getUpdateComplete(){return this._$ES}',
      'get updateComplete(){return this._$ES}',
    ],
    ['s=[...r(t),...o(t)]', 's=r(t)'],
    [
      'if(s.state&&(s.attribute=!1),this._$Ei(),this.elementProperties.set(t,s),!s.noAccessor){const i=Symbol(),' +
        'h=this.getPropertyDescriptor(t,i,s);void 0!==h&&e(this.prototype,t,h)}',
      's.state&&(s.attribute=!1),this._$Ei(),this.elementProperties.set(t,s),' +
        'e(this.prototype,t,this.getPropertyDescriptor(t,Symbol(),s))',
    ],
    ['reflect:!1,useDefault:!1,', ''],
  ],
  '@lit/reactive-element/css-tag.js': [
    // The shelf's one stylesheet is made by unsafeCSS (vite.config.ts), never from a CSSStyleSheet.
    [
      'if(this._$cssResult$=!0,o!==s)throw Error("CSSResult is not constructable. Use `unsafeCSS` or `css` instead.");',
      'this._$cssResult$=!0;',
    ],
    [
      'get styleSheet(){let t=this.o;const s=this.t;if(e&&void 0===t){const e=void 0!==s&&1===s.length;' +
        'e&&(t=o.get(s)),void 0===t&&((this.o=t=new CSSStyleSheet).replaceSync(this.cssText),e&&o.set(s,t))}return t}',
      'get styleSheet(){let t=this.o;return e&&void 0===t&&(this.o=t=new CSSStyleSheet).replaceSync(this.cssText),t}',
    ],
    ['toString(){return this.cssText}', ''],
    [
      's.adoptedStyleSheets=o.map(t=>t instanceof CSSStyleSheet?t:t.styleSheet)',
      's.adoptedStyleSheets=o.map(t=>t.styleSheet)',
    ],
    [
      'c=e?t=>t:t=>t instanceof CSSStyleSheet?(t=>{let e="";for(const s of t.cssRules)e+=s.cssText;return r(e)})(t):t',
      'c=t=>t',
    ],
  ],
};

/**
 * Lit's production file at `path` with the cuts made, or null for a file that has none. Throws
 * when a cut does not match exactly once.
 */
export function trimLitFile(path: string, code: string): string | null {
  const file = Object.keys(CUTS).find((f) => path.endsWith(`/node_modules/${f}`));
  if (!file) return null;
  let out = code;
  for (const [from, to, times = 1] of CUTS[file]!) {
    const pieces = out.split(from);
    if (pieces.length !== times + 1) {
      throw new Error(
        `${file}: a cut of widget/scripts/trim-lit.ts no longer matches ${times}×: ${from.slice(0, 60)}…`,
      );
    }
    out = pieces.join(to);
  }
  return out;
}

export function trimLit(): Plugin {
  return {
    name: 'reco-shelf:trim-lit',
    transform(code, id) {
      const out = trimLitFile(id, code);
      return out === null ? null : { code: out, map: null };
    },
  };
}
