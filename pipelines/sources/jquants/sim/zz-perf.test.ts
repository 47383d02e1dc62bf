it('perf', () => {
  console.log(process.execArgv, process.env.NODE_OPTIONS, require('v8').getHeapStatistics().total_heap_size);
  let t0 = performance.now(); let x = 0; for (let k = 0; k < 1e7; k++) x += Math.sqrt(k); console.log('sqrt', performance.now() - t0, x);
});
