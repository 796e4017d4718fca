/**
 * This package's version, written into the header of every generated file. A test checks that
 * it equals package.json's, so a release that bumps one must bump the other.
 */
export const VERSION = '0.1.0';
