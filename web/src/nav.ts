// Each render of a view gets a generation; polls of an older view stop when it moves on.
let generation = 0;
export const nextGeneration = (): number => ++generation;
export const currentGeneration = (): number => generation;
