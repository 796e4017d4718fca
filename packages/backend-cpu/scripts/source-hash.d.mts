export declare const sourceDir: string;
export declare function sourceHash(): string;
