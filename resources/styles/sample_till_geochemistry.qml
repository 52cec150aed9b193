<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis minScale="100000000" symbologyReferenceScale="-1" simplifyDrawingTol="1" styleCategories="AllStyleCategories" maxScale="0" labelsEnabled="0" simplifyMaxScale="1" simplifyDrawingHints="1" hasScaleBasedVisibilityFlag="0" simplifyAlgorithm="0" readOnly="0" version="3.22.16-Białowieża" simplifyLocal="1">
  <flags>
    <Identifiable>1</Identifiable>
    <Removable>1</Removable>
    <Searchable>1</Searchable>
    <Private>0</Private>
  </flags>
  <temporal endField="" mode="0" accumulate="0" durationUnit="min" durationField="" fixedDuration="0" startField="" startExpression="" enabled="0" limitMode="0" endExpression="">
    <fixedRange>
      <start></start>
      <end></end>
    </fixedRange>
  </temporal>
  <renderer-v2 forceraster="0" referencescale="-1" symbollevels="0" enableorderby="0" type="singleSymbol">
    <symbols>
      <symbol clip_to_extent="1" name="0" alpha="1" force_rhr="0" type="marker">
        <data_defined_properties>
          <Option type="Map">
            <Option name="name" value="" type="QString"/>
            <Option name="properties"/>
            <Option name="type" value="collection" type="QString"/>
          </Option>
        </data_defined_properties>
        <layer pass="0" class="SimpleMarker" locked="0" enabled="1">
          <Option type="Map">
            <Option name="angle" value="0" type="QString"/>
            <Option name="cap_style" value="square" type="QString"/>
            <Option name="color" value="35,35,70,170" type="QString"/>
            <Option name="horizontal_anchor_point" value="1" type="QString"/>
            <Option name="joinstyle" value="bevel" type="QString"/>
            <Option name="name" value="circle" type="QString"/>
            <Option name="offset" value="0,0" type="QString"/>
            <Option name="offset_map_unit_scale" value="3x:0,0,0,0,0,0" type="QString"/>
            <Option name="offset_unit" value="MM" type="QString"/>
            <Option name="outline_color" value="35,35,35,255" type="QString"/>
            <Option name="outline_style" value="no" type="QString"/>
            <Option name="outline_width" value="0" type="QString"/>
            <Option name="outline_width_map_unit_scale" value="3x:0,0,0,0,0,0" type="QString"/>
            <Option name="outline_width_unit" value="MM" type="QString"/>
            <Option name="scale_method" value="diameter" type="QString"/>
            <Option name="size" value="1.1" type="QString"/>
            <Option name="size_map_unit_scale" value="3x:0,0,0,0,0,0" type="QString"/>
            <Option name="size_unit" value="MM" type="QString"/>
            <Option name="vertical_anchor_point" value="1" type="QString"/>
          </Option>
          <prop k="angle" v="0"/>
          <prop k="cap_style" v="square"/>
          <prop k="color" v="35,35,70,170"/>
          <prop k="horizontal_anchor_point" v="1"/>
          <prop k="joinstyle" v="bevel"/>
          <prop k="name" v="circle"/>
          <prop k="offset" v="0,0"/>
          <prop k="offset_map_unit_scale" v="3x:0,0,0,0,0,0"/>
          <prop k="offset_unit" v="MM"/>
          <prop k="outline_color" v="35,35,35,255"/>
          <prop k="outline_style" v="no"/>
          <prop k="outline_width" v="0"/>
          <prop k="outline_width_map_unit_scale" v="3x:0,0,0,0,0,0"/>
          <prop k="outline_width_unit" v="MM"/>
          <prop k="scale_method" v="diameter"/>
          <prop k="size" v="1.1"/>
          <prop k="size_map_unit_scale" v="3x:0,0,0,0,0,0"/>
          <prop k="size_unit" v="MM"/>
          <prop k="vertical_anchor_point" v="1"/>
          <data_defined_properties>
            <Option type="Map">
              <Option name="name" value="" type="QString"/>
              <Option name="properties"/>
              <Option name="type" value="collection" type="QString"/>
            </Option>
          </data_defined_properties>
        </layer>
      </symbol>
    </symbols>
    <rotation/>
    <sizescale/>
  </renderer-v2>
  <customproperties>
    <Option/>
  </customproperties>
  <blendMode>0</blendMode>
  <featureBlendMode>0</featureBlendMode>
  <layerOpacity>1</layerOpacity>
  <geometryOptions geometryPrecision="0" removeDuplicateNodes="0">
    <activeChecks type="StringList">
      <Option value="" type="QString"/>
    </activeChecks>
    <checkConfiguration/>
  </geometryOptions>
  <legend showLabelLegend="0" type="default-vector"/>
  <referencedLayers/>
  <fieldConfiguration>
    <field name="fid" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Observatio" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Year" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Al" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Ba" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Ca" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Co" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Cr" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Cu" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Fe" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="K" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="La" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Li" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Mg" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Mn" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Ni" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="P" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Sc" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Sr" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Th" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Ti" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="V" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Y" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Zn" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Zr" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Co_flag" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Cr_flag" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Cu_flag" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="K_flag" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Li_flag" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Ni_flag" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Sc_flag" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Th_flag" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Y_flag" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Zr_flag" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
  </fieldConfiguration>
  <aliases>
    <alias name="" field="fid" index="0"/>
    <alias name="" field="Observatio" index="1"/>
    <alias name="" field="Year" index="2"/>
    <alias name="" field="Al" index="3"/>
    <alias name="" field="Ba" index="4"/>
    <alias name="" field="Ca" index="5"/>
    <alias name="" field="Co" index="6"/>
    <alias name="" field="Cr" index="7"/>
    <alias name="" field="Cu" index="8"/>
    <alias name="" field="Fe" index="9"/>
    <alias name="" field="K" index="10"/>
    <alias name="" field="La" index="11"/>
    <alias name="" field="Li" index="12"/>
    <alias name="" field="Mg" index="13"/>
    <alias name="" field="Mn" index="14"/>
    <alias name="" field="Ni" index="15"/>
    <alias name="" field="P" index="16"/>
    <alias name="" field="Sc" index="17"/>
    <alias name="" field="Sr" index="18"/>
    <alias name="" field="Th" index="19"/>
    <alias name="" field="Ti" index="20"/>
    <alias name="" field="V" index="21"/>
    <alias name="" field="Y" index="22"/>
    <alias name="" field="Zn" index="23"/>
    <alias name="" field="Zr" index="24"/>
    <alias name="" field="Co_flag" index="25"/>
    <alias name="" field="Cr_flag" index="26"/>
    <alias name="" field="Cu_flag" index="27"/>
    <alias name="" field="K_flag" index="28"/>
    <alias name="" field="Li_flag" index="29"/>
    <alias name="" field="Ni_flag" index="30"/>
    <alias name="" field="Sc_flag" index="31"/>
    <alias name="" field="Th_flag" index="32"/>
    <alias name="" field="Y_flag" index="33"/>
    <alias name="" field="Zr_flag" index="34"/>
  </aliases>
  <defaults>
    <default applyOnUpdate="0" field="fid" expression=""/>
    <default applyOnUpdate="0" field="Observatio" expression=""/>
    <default applyOnUpdate="0" field="Year" expression=""/>
    <default applyOnUpdate="0" field="Al" expression=""/>
    <default applyOnUpdate="0" field="Ba" expression=""/>
    <default applyOnUpdate="0" field="Ca" expression=""/>
    <default applyOnUpdate="0" field="Co" expression=""/>
    <default applyOnUpdate="0" field="Cr" expression=""/>
    <default applyOnUpdate="0" field="Cu" expression=""/>
    <default applyOnUpdate="0" field="Fe" expression=""/>
    <default applyOnUpdate="0" field="K" expression=""/>
    <default applyOnUpdate="0" field="La" expression=""/>
    <default applyOnUpdate="0" field="Li" expression=""/>
    <default applyOnUpdate="0" field="Mg" expression=""/>
    <default applyOnUpdate="0" field="Mn" expression=""/>
    <default applyOnUpdate="0" field="Ni" expression=""/>
    <default applyOnUpdate="0" field="P" expression=""/>
    <default applyOnUpdate="0" field="Sc" expression=""/>
    <default applyOnUpdate="0" field="Sr" expression=""/>
    <default applyOnUpdate="0" field="Th" expression=""/>
    <default applyOnUpdate="0" field="Ti" expression=""/>
    <default applyOnUpdate="0" field="V" expression=""/>
    <default applyOnUpdate="0" field="Y" expression=""/>
    <default applyOnUpdate="0" field="Zn" expression=""/>
    <default applyOnUpdate="0" field="Zr" expression=""/>
    <default applyOnUpdate="0" field="Co_flag" expression=""/>
    <default applyOnUpdate="0" field="Cr_flag" expression=""/>
    <default applyOnUpdate="0" field="Cu_flag" expression=""/>
    <default applyOnUpdate="0" field="K_flag" expression=""/>
    <default applyOnUpdate="0" field="Li_flag" expression=""/>
    <default applyOnUpdate="0" field="Ni_flag" expression=""/>
    <default applyOnUpdate="0" field="Sc_flag" expression=""/>
    <default applyOnUpdate="0" field="Th_flag" expression=""/>
    <default applyOnUpdate="0" field="Y_flag" expression=""/>
    <default applyOnUpdate="0" field="Zr_flag" expression=""/>
  </defaults>
  <constraints>
    <constraint exp_strength="0" notnull_strength="1" unique_strength="1" field="fid" constraints="3"/>
    <constraint exp_strength="0" notnull_strength="0" unique_strength="0" field="Observatio" constraints="0"/>
    <constraint exp_strength="0" notnull_strength="0" unique_strength="0" field="Year" constraints="0"/>
    <constraint exp_strength="0" notnull_strength="0" unique_strength="0" field="Al" constraints="0"/>
    <constraint exp_strength="0" notnull_strength="0" unique_strength="0" field="Ba" constraints="0"/>
    <constraint exp_strength="0" notnull_strength="0" unique_strength="0" field="Ca" constraints="0"/>
    <constraint exp_strength="0" notnull_strength="0" unique_strength="0" field="Co" constraints="0"/>
    <constraint exp_strength="0" notnull_strength="0" unique_strength="0" field="Cr" constraints="0"/>
    <constraint exp_strength="0" notnull_strength="0" unique_strength="0" field="Cu" constraints="0"/>
    <constraint exp_strength="0" notnull_strength="0" unique_strength="0" field="Fe" constraints="0"/>
    <constraint exp_strength="0" notnull_strength="0" unique_strength="0" field="K" constraints="0"/>
    <constraint exp_strength="0" notnull_strength="0" unique_strength="0" field="La" constraints="0"/>
    <constraint exp_strength="0" notnull_strength="0" unique_strength="0" field="Li" constraints="0"/>
    <constraint exp_strength="0" notnull_strength="0" unique_strength="0" field="Mg" constraints="0"/>
    <constraint exp_strength="0" notnull_strength="0" unique_strength="0" field="Mn" constraints="0"/>
    <constraint exp_strength="0" notnull_strength="0" unique_strength="0" field="Ni" constraints="0"/>
    <constraint exp_strength="0" notnull_strength="0" unique_strength="0" field="P" constraints="0"/>
    <constraint exp_strength="0" notnull_strength="0" unique_strength="0" field="Sc" constraints="0"/>
    <constraint exp_strength="0" notnull_strength="0" unique_strength="0" field="Sr" constraints="0"/>
    <constraint exp_strength="0" notnull_strength="0" unique_strength="0" field="Th" constraints="0"/>
    <constraint exp_strength="0" notnull_strength="0" unique_strength="0" field="Ti" constraints="0"/>
    <constraint exp_strength="0" notnull_strength="0" unique_strength="0" field="V" constraints="0"/>
    <constraint exp_strength="0" notnull_strength="0" unique_strength="0" field="Y" constraints="0"/>
    <constraint exp_strength="0" notnull_strength="0" unique_strength="0" field="Zn" constraints="0"/>
    <constraint exp_strength="0" notnull_strength="0" unique_strength="0" field="Zr" constraints="0"/>
    <constraint exp_strength="0" notnull_strength="0" unique_strength="0" field="Co_flag" constraints="0"/>
    <constraint exp_strength="0" notnull_strength="0" unique_strength="0" field="Cr_flag" constraints="0"/>
    <constraint exp_strength="0" notnull_strength="0" unique_strength="0" field="Cu_flag" constraints="0"/>
    <constraint exp_strength="0" notnull_strength="0" unique_strength="0" field="K_flag" constraints="0"/>
    <constraint exp_strength="0" notnull_strength="0" unique_strength="0" field="Li_flag" constraints="0"/>
    <constraint exp_strength="0" notnull_strength="0" unique_strength="0" field="Ni_flag" constraints="0"/>
    <constraint exp_strength="0" notnull_strength="0" unique_strength="0" field="Sc_flag" constraints="0"/>
    <constraint exp_strength="0" notnull_strength="0" unique_strength="0" field="Th_flag" constraints="0"/>
    <constraint exp_strength="0" notnull_strength="0" unique_strength="0" field="Y_flag" constraints="0"/>
    <constraint exp_strength="0" notnull_strength="0" unique_strength="0" field="Zr_flag" constraints="0"/>
  </constraints>
  <constraintExpressions>
    <constraint desc="" field="fid" exp=""/>
    <constraint desc="" field="Observatio" exp=""/>
    <constraint desc="" field="Year" exp=""/>
    <constraint desc="" field="Al" exp=""/>
    <constraint desc="" field="Ba" exp=""/>
    <constraint desc="" field="Ca" exp=""/>
    <constraint desc="" field="Co" exp=""/>
    <constraint desc="" field="Cr" exp=""/>
    <constraint desc="" field="Cu" exp=""/>
    <constraint desc="" field="Fe" exp=""/>
    <constraint desc="" field="K" exp=""/>
    <constraint desc="" field="La" exp=""/>
    <constraint desc="" field="Li" exp=""/>
    <constraint desc="" field="Mg" exp=""/>
    <constraint desc="" field="Mn" exp=""/>
    <constraint desc="" field="Ni" exp=""/>
    <constraint desc="" field="P" exp=""/>
    <constraint desc="" field="Sc" exp=""/>
    <constraint desc="" field="Sr" exp=""/>
    <constraint desc="" field="Th" exp=""/>
    <constraint desc="" field="Ti" exp=""/>
    <constraint desc="" field="V" exp=""/>
    <constraint desc="" field="Y" exp=""/>
    <constraint desc="" field="Zn" exp=""/>
    <constraint desc="" field="Zr" exp=""/>
    <constraint desc="" field="Co_flag" exp=""/>
    <constraint desc="" field="Cr_flag" exp=""/>
    <constraint desc="" field="Cu_flag" exp=""/>
    <constraint desc="" field="K_flag" exp=""/>
    <constraint desc="" field="Li_flag" exp=""/>
    <constraint desc="" field="Ni_flag" exp=""/>
    <constraint desc="" field="Sc_flag" exp=""/>
    <constraint desc="" field="Th_flag" exp=""/>
    <constraint desc="" field="Y_flag" exp=""/>
    <constraint desc="" field="Zr_flag" exp=""/>
  </constraintExpressions>
  <expressionfields/>
  <attributeactions/>
  <attributetableconfig actionWidgetStyle="dropDown" sortExpression="" sortOrder="0">
    <columns/>
  </attributetableconfig>
  <conditionalstyles>
    <rowstyles/>
    <fieldstyles/>
  </conditionalstyles>
  <storedexpressions/>
  <editform tolerant="1"></editform>
  <editforminit/>
  <editforminitcodesource>0</editforminitcodesource>
  <editforminitfilepath></editforminitfilepath>
  <editforminitcode><![CDATA[]]></editforminitcode>
  <featformsuppress>0</featformsuppress>
  <editorlayout>generatedlayout</editorlayout>
  <editable/>
  <labelOnTop/>
  <reuseLastValue/>
  <dataDefinedFieldProperties/>
  <widgets/>
  <previewExpression></previewExpression>
  <mapTip></mapTip>
  <layerGeometryType>0</layerGeometryType>
</qgis>
