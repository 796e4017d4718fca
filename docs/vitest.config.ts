import { defineProject } from 'vitest/config';
import { packageProject } from '../vitest.shared.js';

// The docs' tests run against the packages' sources (the "source" export condition), like every
// package's tests: no build is needed to check the code blocks of the pages.
export default defineProject(packageProject('@stride/docs'));
