package org.pinsim.core.prop.sys;

/**
 * Which process runs an op, symbolically: the initial process ({@code fork == -1}) or the
 * child the fork op with id {@code fork} created. When that process does not exist (the fork
 * was shrunk away or failed) or has exited, the op runs in the initial process, else in the
 * first live process (see {@link SysRun}).
 */
public record Proc(int fork) {

    public static final Proc INITIAL = new Proc(-1);
}
