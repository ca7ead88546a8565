/**
 * The CLI's version, printed by `kos --version`. A constant rather than a runtime read of
 * package.json, whose path differs between src/ and dist/; a test keeps the two equal.
 */
export const VERSION = '0.1.0';
//# sourceMappingURL=version.js.map