package org.pinsim.scenario;

import java.util.List;
import org.pinsim.core.Profile;

/** {@code [linux-3.1,linux-6.18]} before a statement: it applies only under these profiles. */
public record Guard(List<Profile> profiles, String text, Pos pos) {

    public boolean admits(Profile p) {
        return profiles.contains(p);
    }
}
