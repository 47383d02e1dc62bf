// The Pulumi program (Pulumi.yaml `main: stacks/`): a module exporting a function; its result is the stack's outputs.
import { runProgram } from './program';

export = runProgram;
