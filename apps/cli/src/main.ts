#!/usr/bin/env node
console.log("rtos-sim: work in progress");
