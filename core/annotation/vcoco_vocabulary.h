#pragma once
// The V-COCO vocabulary (s-gupta/v-coco): 26 actions, each with its roles besides the agent
// ("obj", "instr", none, or two), and the 29 verb classes the HOI codebases (QPIC, CDN, GEN-VLKT)
// number 0..28: an action without roles is one class ("stand"), an action with roles one class per
// role ("hit_instr", "hit_obj"), in the order of the actions and their roles in V-COCO:
//   hold_obj stand sit_instr ride_instr walk look_obj hit_instr hit_obj eat_obj eat_instr jump_instr
//   lay_instr talk_on_phone_instr carry_obj throw_obj catch_obj cut_instr cut_obj run
//   work_on_computer_instr ski_instr surf_instr skateboard_instr smile drink_instr kick_obj
//   point_instr read_obj snowboard_instr
// Fixed by the dataset, so it is compiled in (no resource file).
#include <string>
#include <string_view>
#include <vector>

namespace hoi::annotation::vcoco {

constexpr int kActions = 26;
constexpr int kVerbClasses = 29;
constexpr int kMaxRoles = 2;

struct Action {
    std::string name;               // "hit"
    std::vector<std::string> roles; // {"instr", "obj"}; empty for stand, walk, run, smile
};

struct VerbClass {
    std::string name; // "hit_instr", "stand"
    int action = -1;  // 0..25
    int role = -1;    // index into the action's roles; -1 for an action without roles
};

const std::vector<Action>& actions();          // 26, V-COCO order
const std::vector<VerbClass>& verb_classes();  // 29, the codebases' order
// The verb class of an action and role index (-1: the action's class when it has no roles); -1 when none.
int verb_class_of(int action, int role);
// The verb class id of a name ("hit_instr", also "hit instr", any case); -1 when unknown.
int verb_class_id(std::string_view name);

} // namespace hoi::annotation::vcoco
