// The same packages from CommonJS: `require` resolves to their `require` export condition
// (dist/index.cjs, typed by dist/index.d.cts), which loads the ES module itself. TypeScript
// accepts that under "module": "nodenext" (5.8+), as Node 20.19+ and 22.12+ do at run time.
import core = require('@stride/core');
import backendCpu = require('@stride/backend-cpu');

core.registerBackend(backendCpu.cpu({ threads: 1 }));
const t: core.Tensor = core.tensor([1, 2, 3]);
const total: number = t.sum().itemSync();
console.log(total);
