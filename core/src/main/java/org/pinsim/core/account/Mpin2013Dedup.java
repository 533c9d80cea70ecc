package org.pinsim.core.account;

/**
 * [VARIANT of a PROPOSAL] mpin-2013 whose admission check counts a page that is both locked
 * and pinned once, as the charge does: what the thread intended ("counts every page exempt
 * from paging exactly once"), where the posted checks added the request to the whole of
 * mm_locked_pages.
 */
public final class Mpin2013Dedup extends Mpin2013 {
    public Mpin2013Dedup() {
        super("mpin-2013-dedup");
    }

    @Override
    public String summary() {
        return "[variant] mpin-2013 whose admission counts a locked and pinned page once";
    }

    @Override
    public MlockAccounting mlock() {
        return MlockAccounting.MM_LOCKED_PAGES_DEDUP;
    }
}
