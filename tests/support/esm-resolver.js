/**
 * Jest resolver: kubernetes-models and its helpers ship ESM only, with `exports` that name just the
 * `import` condition, which Jest's CommonJS runtime does not match. For those packages (and only
 * those) resolve with the `import` condition; jest.config.js then compiles them to CommonJS with swc.
 */
const ESM_ONLY =
  /^(kubernetes-models|@kubernetes-models\/[^/]+|is-cidr|cidr-regex|ip-regex|re2-wasm)(\/|$)/;

module.exports = (request, options) =>
  ESM_ONLY.test(request)
    ? options.defaultResolver(request, { ...options, conditions: ["import", "default"] })
    : options.defaultResolver(request, options);
